"""Papers per second of the extractive summarizer against a naive per-document loop and sumy's LexRank.

Each method runs in a fresh process so its peak RSS is its own and model loading is excluded from its time.
Agreement is the share of papers where a method returns the same TL;DR as the naive loop (same model, same
selection, but one document's sentences embedded at a time, padded to the longest, truncated at 256 tokens).
The levers are side by side: torch with the old 64-row batches, torch with token-budget batches, the default
(ONNX Runtime when installed), and the default without sentences over the word budget (not the default: it moves
the centroid, so it agrees less). On a shared machine, compare ratios from one run, not rates across runs.

    python -m bench.summarize [CORPUS_DIR] [--threads N] [--int8] [--limit N] [--only fast,torch,...]
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

REPO = Path(__file__).resolve().parent.parent
DOC_BATCH = 64  # papers per summarize call, as bot.summarize.service sends them
MAX_WORDS = 60
METHODS = {
    "naive": "naive loop (per document)",
    "torch64": "torch, 64-row batches (old)",
    "torch": "torch, 1024-token batches",
    "fast": "default (onnx if installed)",
    "skip": "default, skip >60-word sents",
    "int8": "torch int8, 64-row batches",
    "lexrank": "sumy LexRank",
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
    builders = {"naive": _naive, "torch64": _torch64, "torch": _torch, "fast": _fast, "skip": _skip}
    _method = {**builders, "int8": _int8, "lexrank": _lexrank}[method]()
    _method(["Warm up the model first. Loading it is not part of the timing. Nor is this call."])


def _run(texts: list[str]) -> tuple[float, list[str]]:
    assert _method is not None
    start = time.perf_counter()
    out = _method(texts)
    return time.perf_counter() - start, out


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _summarizer(rows_only: bool = False, **options):
    from bot.summarize.extractive import ExtractiveSummarizer

    summarizer = ExtractiveSummarizer(**options)
    if rows_only:  # the batching before token budgets: always `batch_size` rows
        summarizer.encoder.max_batch_tokens = 10**9
    return summarizer


def _fast() -> Callable[[list[str]], list[str]]:
    return _summarizer().summarize_batch


def _torch() -> Callable[[list[str]], list[str]]:
    return _summarizer(backend="torch").summarize_batch


def _torch64() -> Callable[[list[str]], list[str]]:
    return _summarizer(rows_only=True, backend="torch").summarize_batch


def _int8() -> Callable[[list[str]], list[str]]:
    return _summarizer(rows_only=True, quantize=True).summarize_batch


def _skip() -> Callable[[list[str]], list[str]]:
    """The default with sentences over the word budget left out: never chosen, but they do move the centroid."""
    from bot.summarize import extractive

    summarizer = _summarizer()
    candidates = extractive.candidate_sentences

    def fitting(text: str) -> list[str]:
        sentences = candidates(text)
        short = [s for s in sentences if len(s.split()) <= MAX_WORDS]
        return short if len(short) >= 2 else sentences

    def summarize(texts: list[str]) -> list[str]:
        extractive.candidate_sentences = fitting
        try:
            return summarizer.summarize_batch(texts)
        finally:
            extractive.candidate_sentences = candidates

    return summarize


def _naive() -> Callable[[list[str]], list[str]]:
    """Per document: embed all its sentences in one padded batch (at most 256 tokens each), then select the same way."""
    import torch

    from bot.summarize.embedding import default_model_path, load_model, mean_pool
    from bot.summarize.extractive import choose, compose, is_prose
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
    parser.add_argument("corpus", nargs="?", type=Path, default=REPO.parent / "shared" / "corpus" / "shortscience")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--int8", action="store_true", help="also measure dynamic int8 quantization")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N papers")
    parser.add_argument("--only", default="", help="comma-separated methods to run besides naive")
    args = parser.parse_args()

    texts = load_texts(args.corpus)
    if args.limit:
        texts = texts[: args.limit]
    if not texts:
        sys.exit(f"no summaries found under {args.corpus}")
    print(f"{len(texts)} papers from {args.corpus}, {sum(len(t) for t in texts) / 1e3:.0f} kB of text")

    methods = [m for m in METHODS if m != "int8" or args.int8]
    methods = [m for m in methods if not args.only or m == "naive" or m in args.only.split(",")]
    context = multiprocessing.get_context("spawn")
    pools = {
        m: ProcessPoolExecutor(1, mp_context=context, initializer=_init, initargs=(m, args.threads)) for m in methods
    }
    seconds = dict.fromkeys(methods, 0.0)
    outputs: dict[str, list[str]] = {m: [] for m in methods}
    try:
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
