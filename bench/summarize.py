"""Papers per second of the extractive summarizer against a naive per-document loop and sumy's LexRank.

Each method runs in a fresh process so its peak RSS is its own and model loading is excluded from its time.
Agreement is the share of papers where a method returns the same TL;DR as the naive loop (same model, same
selection, but one document's sentences embedded at a time, padded to the longest, truncated at 256 tokens).
The levers are side by side, each batching sentences across documents by a token budget: torch fp32; ONNX Runtime
fp32 as one run with a thread per core inside each operator, then as one single-threaded run per core; the default,
ONNX Runtime with row-wise int8 feed-forward and attention-output matmuls (see bot.summarize.quantize); and torch's
dynamic int8 (faster, but it moves the choice on far more papers). On a shared machine, compare ratios from one
run, not rates across runs.

    python -m bench.summarize [CORPUS_DIR] [--threads N] [--limit N] [--only int8,onnx,...]
    python -m bench.summarize --quick    # 2 papers, naive beside the default: seconds, to check the bench runs

CORPUS_DIR defaults to the shared corpus the tests read (PAPERBOT_CORPUS_DIR, else ../shared/corpus/shortscience).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from testing.corpus import corpus_dir

DOC_BATCH = 64  # papers per summarize call, as bot.summarize.service sends them
MAX_WORDS = 60
METHODS = {
    "naive": "naive loop (per document)",
    "lexrank": "sumy LexRank",
    "torch": "torch fp32, token batches",
    "onnx1x2": "ONNX fp32, 1 run x 2 threads",
    "onnx": "ONNX fp32, runs per core",
    "int8": "ONNX int8 rows [default]",
    "torchint8": "torch dynamic int8",
}


def load_texts(corpus: Path) -> list[str]:
    """Return the cleaned text of every summary, via the ingest parser when it is there."""
    files = sorted(corpus.glob("*.txt"))
    try:
        from bot.ingest import parse_file
        from bot.models import Paper
    except ImportError:
        return [text for path in files for text in _split_page(path.read_text(encoding="utf-8"))]
    return [record.text for path in files for record in parse_file(path) if isinstance(record, Paper)]


def _split_page(page: str) -> list[str]:
    """Fallback when bot.ingest is absent: the text after each `[link]` line, without image stubs and ' |'."""
    parts = re.split(r"^\[link\]\s*$", page, flags=re.M)[1:]
    return [re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", part).strip().removesuffix("|").strip() for part in parts]


# Each worker process holds one method, set up by `_init` (model loaded outside the timing).
_method: Callable[[list[str]], list[str]] | None = None


def _init(method: str, threads: int) -> None:
    global _method
    if threads:
        import torch

        torch.set_num_threads(threads)
    builders = {"naive": _naive, "lexrank": _lexrank, "torch": _torch, "onnx1x2": _onnx1x2, "onnx": _onnx}
    _method = {**builders, "int8": _default, "torchint8": _torch_int8}[method]()
    _method(["Warm up the model first. Loading it is not part of the timing. Nor is this call."])


def _run(texts: list[str]) -> tuple[float, list[str]]:
    assert _method is not None
    start = time.perf_counter()
    out = _method(texts)
    return time.perf_counter() - start, out


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _summarizer(**options):
    from bot.summarize.extractive import ExtractiveSummarizer

    return ExtractiveSummarizer(**options)


def _default() -> Callable[[list[str]], list[str]]:
    summarizer = _summarizer()
    assert summarizer.encoder.precision == "int8-rows", "the default should be ONNX int8 (is onnx installed?)"
    return summarizer.summarize_batch


def _onnx() -> Callable[[list[str]], list[str]]:
    return _summarizer(quantize=False, backend="onnx").summarize_batch


def _onnx1x2() -> Callable[[list[str]], list[str]]:
    """The previous default: one run at a time, each operator split over every core."""
    summarizer = _summarizer(quantize=False, backend="onnx")
    summarizer.encoder.workers = 1
    return summarizer.summarize_batch


def _torch() -> Callable[[list[str]], list[str]]:
    return _summarizer(quantize=False, backend="torch").summarize_batch


def _torch_int8() -> Callable[[list[str]], list[str]]:
    return _summarizer(quantize=True, backend="torch").summarize_batch


def _naive() -> Callable[[list[str]], list[str]]:
    """Per document: embed all its sentences in one padded batch (at most 256 tokens each), then select the same way."""
    import torch

    from bot.summarize.embedding import default_model_path, load_model
    from bot.summarize.extractive import choose, compose, is_prose
    from bot.summarize.pooling import mean_pool
    from bot.summarize.sentences import cut_words, split_sentences

    tokenizer, model = load_model(default_model_path())

    def summarize(texts: list[str]) -> list[str]:
        out = []
        for text in texts:
            sentences = split_sentences(text)
            prose = [i for i, sentence in enumerate(sentences) if is_prose(sentence)]
            if len(prose) <= 1:
                out.append(cut_words(sentences[prose[0]] if prose else text, MAX_WORDS))
                continue
            batch = tokenizer(sentences, padding=True, truncation=True, max_length=256, return_tensors="pt")
            with torch.inference_mode():
                embeddings = mean_pool(model(**batch).last_hidden_state, batch["attention_mask"]).numpy()
            kept = [sentences[i] for i in prose]
            out.append(compose(kept, choose(embeddings[prose], kept, MAX_WORDS), MAX_WORDS))
        return out

    return summarize


def _lexrank() -> Callable[[list[str]], list[str]]:
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    from bot.summarize.sentences import cut_words, split_sentences

    class Tokenizer:
        """sumy's own tokenizer needs nltk's punkt data, which is not available offline."""

        def to_sentences(self, paragraph: str) -> list[str]:
            return split_sentences(paragraph)

        def to_words(self, sentence: str) -> list[str]:
            return re.findall(r"[A-Za-z][A-Za-z0-9'-]*", sentence)

    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def summarize(texts: list[str]) -> list[str]:
        documents = (PlaintextParser(text, Tokenizer()).document for text in texts)
        return [cut_words(" ".join(str(s) for s in summarizer(document, 3)), MAX_WORDS) for document in documents]

    return summarize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=corpus_dir())
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N papers")
    parser.add_argument("--only", default="", help="comma-separated methods to run besides naive")
    parser.add_argument("--quick", action="store_true", help="2 papers; the default beside naive")
    args = parser.parse_args()
    if args.quick:
        args.limit, args.only = min(args.limit or 2, 2), args.only or "int8"

    texts = load_texts(args.corpus)
    if args.limit:
        texts = texts[: args.limit]
    if not texts:
        sys.exit(f"no summaries found under {args.corpus}")
    print(f"{len(texts)} papers from {args.corpus}, {sum(len(t) for t in texts) / 1e3:.0f} kB of text")

    methods = [m for m in METHODS if not args.only or m == "naive" or m in args.only.split(",")]
    context = multiprocessing.get_context("spawn")
    pools = {
        m: ProcessPoolExecutor(1, mp_context=context, initializer=_init, initargs=(m, args.threads)) for m in methods
    }
    seconds = dict.fromkeys(methods, 0.0)
    outputs: dict[str, list[str]] = {m: [] for m in methods}
    try:
        for loaded in [pool.submit(_peak_rss_mb) for pool in pools.values()]:  # load every model at once, untimed
            loaded.result()
        for number, start in enumerate(range(0, len(texts), DOC_BATCH)):
            chunk = texts[start : start + DOC_BATCH]
            # Take turns, in a rotating order, so load from other processes falls on every method alike.
            for method in methods[number % len(methods) :] + methods[: number % len(methods)]:
                elapsed, out = pools[method].submit(_run, chunk).result()
                seconds[method] += elapsed
                outputs[method].extend(out)
        peaks = {m: pools[m].submit(_peak_rss_mb).result() for m in methods}
    finally:
        for pool in pools.values():
            pool.shutdown()

    base = len(texts) / seconds["naive"]
    print(f"torch threads: {args.threads or 'default'}; load average after: {os.getloadavg()[0]:.1f}")
    print(f"{'method':30} {'papers/s':>9} {'vs naive':>9} {'same as naive':>14} {'peak RSS':>9}")
    for method in methods:
        rate = len(texts) / seconds[method]
        agree = sum(a == b for a, b in zip(outputs[method], outputs["naive"], strict=True)) / len(texts)
        print(f"{METHODS[method]:30} {rate:9.1f} {rate / base:8.1f}x {agree:13.1%} {peaks[method]:6d} MB")


if __name__ == "__main__":
    main()
