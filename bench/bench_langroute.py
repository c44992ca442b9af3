"""Language routing on real text: the share of each language routed right, and its cost.

Sets: NTREX-128 (../shared/data/ntrex, CC BY-SA 4.0) in Bokmål, Nynorsk, Danish, Swedish
and English, the same 1,997 news sentences in each, routed document by document (NTREX's
own document ids: 123 articles, so the neighbours inform short sentences as in a real
article); plus bench/langroute/english-norwegian-names.txt (English sentences with
Norwegian names and places) and bench/langroute/english-headlines.txt (English headlines
without function words), each sentence routed alone, with no document to lean on.

Right means: Bokmål and Nynorsk translated (with the default model's source languages
nb, nn, da, sv) and decided as nb or nn; English kept; Danish and Swedish marked (decided
da / sv). Cost: the identifier's time per sentence once loaded, its one-time load, and the
share that adds to translating a Norwegian article (the seed article, with ``--model``).

    python bench/bench_langroute.py [--sample N] [--model DIR --backend ctranslate2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NTREX = ROOT.parent / "shared" / "data" / "ntrex"
OWN = Path(__file__).resolve().parent / "langroute"
SEED = ROOT.parent / "shared" / "seeds" / "ntb-2017-11-albu-kamal.txt"

SETS = {
    # name: (file, grouped by document, what counts as right)
    "Bokmål (nob) translated": (NTREX / "newstest2019-ref.nob.txt", True, "translated-norwegian"),
    "Nynorsk (nno) translated": (NTREX / "newstest2019-ref.nno.txt", True, "translated-norwegian"),
    "Danish (dan) marked": (NTREX / "newstest2019-ref.dan.txt", True, "da"),
    "Swedish (swe) marked": (NTREX / "newstest2019-ref.swe.txt", True, "sv"),
    "English (eng) kept": (NTREX / "newstest2019-src.eng.txt", True, "kept"),
    "English with Norwegian names kept": (OWN / "english-norwegian-names.txt", False, "kept"),
    "English headlines kept": (OWN / "english-headlines.txt", False, "kept"),
}
TARGETS = {
    "Bokmål (nob) translated": 99.5,
    "English (eng) kept": 99.0,
    "English with Norwegian names kept": 97.0,
    "Danish (dan) marked": 98.0,
    "Swedish (swe) marked": 98.0,
}


def documents(path: Path, grouped: bool, sample: int | None) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not grouped:
        docs = [[line] for line in lines if line.strip()]
    else:
        ids = (NTREX / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
        docs, current, last = [], [], None
        for doc_id, line in zip(ids, lines):
            if doc_id != last and current:
                docs.append(current)
                current = []
            current.append(line)
            last = doc_id
        if current:
            docs.append(current)
    return docs[:sample] if sample else docs


def right(language: str, want: str, source_languages: tuple[str, ...]) -> bool:
    if want == "translated-norwegian":
        return language in ("nb", "nn") and language in source_languages
    if want == "kept":
        return language not in source_languages
    return language == want


def route_sets(sample: int | None) -> tuple[dict, float, int]:
    from translate.language import NORTH_GERMANIC, decide_languages

    results, seconds, count = {}, 0.0, 0
    cpu_started = time.process_time()
    for name, (path, grouped, want) in SETS.items():
        docs = documents(path, grouped, sample)
        good, total, seen = 0, 0, Counter()
        for doc in docs:
            started = time.perf_counter()
            languages = decide_languages(doc)
            seconds += time.perf_counter() - started
            count += len(doc)
            for language in languages:
                seen[language] += 1
                good += right(language, want, NORTH_GERMANIC)
                total += 1
        results[name] = (good, total, seen)
    return results, (seconds, time.process_time() - cpu_started), count


def article_cost(model: str | None, backend: str) -> dict:
    """The identifier's share of translating the seed article (routing is part of reading)."""
    from translate.article import parse_article
    from translate.io import decode_source
    from translate.language import decide_languages

    text = SEED.read_text(encoding="utf-8")
    article = parse_article(text)
    texts = [s.source for s in article.sentences()]
    runs, cpu = [], []
    for _ in range(5):
        started, cpu_started = time.perf_counter(), time.process_time()
        decide_languages(texts)
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    out = {"sentences": len(texts), "routing_s": min(runs), "routing_cpu_s": min(cpu)}
    if model:
        from translate.pipeline import Translator, translate_article
        from translate.settings import Settings

        settings = Settings(model=model, backend=backend, use_cache=False, beam_size=4)
        with Translator(settings) as translator:
            translate_article(decode_source(b"Klar.", "warm.txt"), translator)  # load the model
            best = best_cpu = None
            for _ in range(2):
                started, cpu_started = time.perf_counter(), time.process_time()
                translate_article(decode_source(text.encode("utf-8"), SEED.name), translator)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                best = elapsed if best is None else min(best, elapsed)
                best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
        out["translate_s"], out["translate_cpu_s"] = best, best_cpu
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=None, help="First N documents of each set only.")
    parser.add_argument("--model", default=None, help="A model directory to time the seed article with.")
    parser.add_argument("--backend", default="ctranslate2")
    args = parser.parse_args()

    from translate.language import confidences

    started, cpu_started = time.perf_counter(), time.process_time()
    confidences("Regjeringen la fram statsbudsjettet tirsdag.")
    load_s, load_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    results, seconds, count = route_sets(args.sample)
    print("| set | routed right | share | target | decided as (top 4) |")
    print("|---|---|---|---|---|")
    failed = False
    for name, (good, total, seen) in results.items():
        share = 100.0 * good / total if total else 0.0
        target = TARGETS.get(name)
        mark = "" if target is None else (" ok" if share >= target else " **below**")
        failed |= target is not None and share < target
        top = ", ".join(f"{code} {n}" for code, n in seen.most_common(4))
        print(f"| {name} | {good}/{total} | {share:.2f} % | {'≥ %.1f %%' % target if target else '-'}{mark} | {top} |")
    print()
    wall, cpu = seconds
    print(f"identifier load (once per process): {load_s:.2f} s wall, {load_cpu:.2f} s CPU")
    print(f"identifier cost per sentence (loaded, in documents): {1000 * wall / count:.3f} ms wall, {1000 * cpu / count:.3f} ms CPU over {count} sentences")
    cost = article_cost(args.model, args.backend)
    line = f"seed article: {cost['sentences']} sentences routed in {cost['routing_s'] * 1000:.1f} ms wall, {cost['routing_cpu_s'] * 1000:.1f} ms CPU"
    if "translate_s" in cost:
        line += (
            f"; translated in {cost['translate_s']:.2f} s wall, {cost['translate_cpu_s']:.2f} s CPU: routing adds "
            f"{100 * cost['routing_cpu_s'] / cost['translate_cpu_s']:.2f} % CPU once loaded, "
            f"{100 * (cost['routing_cpu_s'] + load_cpu) / cost['translate_cpu_s']:.2f} % in a cold process (with the load)"
        )
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
