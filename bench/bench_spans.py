"""What protected spans and a 200-term glossary cost on the seed article, measured in one run.

    python bench/bench_spans.py            # prints a Markdown section
    python bench/bench_spans.py --append   # ... and appends it to bench/RESULTS.md

Builds (once, into ``--work``) a random-weight Marian of the transformer-base shape
(``bench/shapes.py``) and its CTranslate2 int8 copy; neither step is timed. Then, in this one
process with the model loaded, translates the seed article's unique sentences in four
configurations, alternating them ``--repeats`` times and keeping each one's best:

* ``none``: ``translate_texts(backend, texts)``, as without this feature.
* ``glossary, no hits``: ``translate_protected`` with span detection and a 200-entry
  glossary of which no entry occurs in the article: the price of looking.
* ``glossary + spans, items kept``: the same with ``bench/glossary-200.tsv`` (five of its
  entries occur in 14 of the 22 sentences), the model's outputs given the items they need
  (as a model that copies them does): detection, substitution, one decode, verification.
* ``glossary + spans, random model``: the same, as the product runs with random weights,
  which copy nothing: every sentence with an item falls back to translating its pieces,
  a second decode for those sentences. The worst case, not what a real model pays.

Decoding: beam 1, faithfulness repair off, output capped at 1.2 x source tokens (the random
model never stops by itself, so every output is exactly that long; a realistic length).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(BENCH_DIR))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SEED_ARTICLE = REPO_ROOT / "seeds" / "ntb-2017-11-albu-kamal.txt"
GLOSSARY = BENCH_DIR / "glossary-200.tsv"
LENGTH_RATIO = 1.2


def article_sentences() -> list[str]:
    from translate.io import read_source
    from translate.pipeline import prepare_article

    article = prepare_article(read_source(str(SEED_ARTICLE), None)).article
    return list(dict.fromkeys(s.source for s in article.sentences() if s.translate))


def build(work: Path):
    from shapes import build_random_marian

    from translate.backends import BackendChoice, DecodingSettings, create_backend
    from translate.models import resolve_model

    model_dir = work / "random-base"
    if not (model_dir / ".complete").exists():
        build_random_marian(model_dir, "base", stop="never")  # fixed output lengths: the cap decides them
        (model_dir / ".complete").write_text("ok")
    decoding = DecodingSettings(beam_size=1, length_ratio=LENGTH_RATIO, length_extra=0)
    backend = create_backend(resolve_model(str(model_dir)), BackendChoice("ctranslate2", "cpu", "int8", "bench"),
                             decoding, work / "cache")
    backend.ensure_loaded()
    return backend


class Counting:
    """A translate_fn that counts calls, texts and source tokens sent to the model."""

    def __init__(self, backend, keep_items: dict[str, list[str]] | None = None):
        self.backend = backend
        self.keep_items = keep_items
        self.calls = self.texts = self.tokens = 0

    def __call__(self, texts: list[str]):
        from translate.faithful import Translation, translate_texts

        self.calls += 1
        self.texts += len(texts)
        self.tokens += sum(self.backend.count_tokens(texts))
        results = translate_texts(self.backend, texts, repair=False)
        if self.keep_items is None:
            return results
        return [Translation(" ".join([r.target, *self.keep_items.get(t, [])]), r.flags) for t, r in zip(texts, results)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=BENCH_DIR / "out" / "spans")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--append", action="store_true", help="Append the section to bench/RESULTS.md.")
    args = parser.parse_args()

    from translate.glossary import Glossary, load_glossary
    from translate.spans import FLAG_PROTECTED_FALLBACK, _substitute, protected_items, translate_protected

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    backend = build(work)
    built_s = time.perf_counter() - started
    texts = article_sentences()
    glossary = load_glossary(GLOSSARY)
    article_text = " ".join(texts)
    # The same 200 entries, renamed so that none occurs in the article.
    no_hits = Glossary({f"{no}Ø": en for no, en in glossary.entries.items()})
    assert not any(no_hits.find(t) for t in texts)
    protected = [protected_items(t, glossary) for t in texts]
    keep = {_substitute(t, items): [i.target for i in items] for t, items in zip(texts, protected) if items}

    configs = {
        "none": lambda: (lambda fn: (fn, fn(texts)))(Counting(backend)),
        "glossary, no hits": lambda: (lambda fn: (fn, translate_protected(texts, no_hits, fn)))(Counting(backend)),
        "glossary + spans, items kept": lambda: (
            lambda fn: (fn, translate_protected(texts, glossary, fn)))(Counting(backend, keep)),
        "glossary + spans, random model": lambda: (
            lambda fn: (fn, translate_protected(texts, glossary, fn)))(Counting(backend)),
    }
    backend.generate(["Dette er en kort setning."])  # warm-up
    times: dict[str, list[float]] = {name: [] for name in configs}
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    stats: dict[str, tuple] = {}
    for repeat in range(args.repeats):
        order = list(configs) if repeat % 2 == 0 else list(reversed(configs))
        for name in order:
            t0, c0 = time.perf_counter(), time.process_time()
            fn, results = configs[name]()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            fallbacks = sum(FLAG_PROTECTED_FALLBACK in r.flags for r in results)
            stats[name] = (fn.calls, fn.texts, fn.tokens, fallbacks)

    # The price of looking, alone: protected_items over every sentence.
    t0 = time.perf_counter()
    loops = 200
    for _ in range(loops):
        for t in texts:
            protected_items(t, glossary)
    scan_us = (time.perf_counter() - t0) / loops / len(texts) * 1e6

    base = min(cpu["none"])
    hits = sum(1 for items in protected if items)
    lines = [
        f"### Protected spans and glossary cost ({time.strftime('%Y-%m-%d %H:%M')})",
        "",
        f"- command: `python bench/bench_spans.py{' --append' if args.append else ''}"
        f"{'' if args.repeats == 5 else f' --repeats {args.repeats}'}`",
        f"- {os.cpu_count()} CPUs (shared), load average at start/end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; transformer-base shape, random weights, CTranslate2 "
        f"int8, beam 1, repair off, output 1.2 x source tokens; model built/loaded in {built_s:.0f} s (not timed)",
        f"- seed article: {len(texts)} unique sentences, {sum(backend.count_tokens(texts))} source tokens, no URLs, "
        f"e-mails, handles or hashtags; `bench/glossary-200.tsv` (200 entries) matches in {hits} sentences "
        f"({sum(len(i) for i in protected)} terms)",
        f"- scanning for spans and terms: {scan_us:.0f} µs per sentence ({len(article_text)} characters in all)",
        "",
        "Each configuration's best CPU time (all threads of this process; steadier than wall time on a shared",
        "machine) and its wall times:",
        "",
        "| configuration | best CPU s | vs none | wall s (all runs) | model calls | texts sent | source tokens sent "
        "| fallbacks |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in configs:
        calls, sent, tokens, fallbacks = stats[name]
        lines.append(
            f"| {name} | {min(cpu[name]):.2f} | {min(cpu[name]) / base:.3f} | "
            f"{', '.join(f'{x:.2f}' for x in times[name])} | {calls} | {sent} | {tokens} | {fallbacks} |"
        )
    kept = min(cpu["glossary + spans, items kept"]) / base
    worst = min(cpu["glossary + spans, random model"]) / base
    lines += [
        "",
        f"- With a model that keeps the items (what a real model mostly does): {100 * (kept - 1):+.1f} % "
        f"(looking alone: {100 * (min(cpu['glossary, no hits']) / base - 1):+.1f} %).",
        f"- Random weights, every protected sentence falling back: {100 * (worst - 1):+.1f} %: the second "
        f"decode of {stats['glossary + spans, random model'][3]} of {len(texts)} sentences. A real model's cost "
        "lies between the two, in proportion to its fallback rate.",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if args.append:
        with open(BENCH_DIR / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write("\n" + section)


if __name__ == "__main__":
    main()
