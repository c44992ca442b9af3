"""The translation memory at 100,000 entries: import time, lookup cost per sentence, and
whether a memory that misses slows a translation.

    python bench/bench_memory.py                # 100,000 entries
    python bench/bench_memory.py --entries 20000

1. Entries: Norwegian sentences spliced from NTREX-128 (first half of one reference
   sentence, second half of another; 1,997 x 1,997 possible, all distinct), English spliced
   the same way. Written as a TSV; ``nb2en memory import`` run on it as a subprocess (wall
   time, the whole CLI), then the same file imported again (all unchanged).
2. Lookup: 2,000 query sentences (NTREX sentences as they are: none in the memory; and
   1,000 entries: all in it), looked up the way the pipeline does (one ``lookup`` call for
   all of them, then ``near`` for each miss): microseconds per sentence. Near misses:
   1,000 entries with one number or word changed.
3. Does a miss slow translation? ``translate_prepared`` of 400 NTREX sentences (none in the
   memory) through the tiny test model (tests/tiny_models.py), fully cached (the cheapest
   translation there is: the memory's share is largest there) and uncached, with
   ``--no-memory`` vs the 100,000-entry memory: the ratio, best of 5 each, back to back.
4. Fuzzy scorer: rapidfuzz's ``fuzz.ratio`` vs ``difflib.SequenceMatcher.ratio`` on the same
   candidate pairs (why rapidfuzz).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "data" / "ntrex"


def ntrex(name: str) -> list[str]:
    for folder in (SHARED, REPO / "tests" / "data"):
        path = folder / name
        if path.exists():
            return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    raise SystemExit(f"{name} not found under {SHARED}")


def splice(a: str, b: str) -> str:
    left, right = a.split(), b.split()
    return " ".join(left[: max(1, len(left) // 2)] + right[len(right) // 2 :])


def make_entries(count: int, seed: int = 7) -> list[tuple[str, str]]:
    nob, eng = ntrex("newstest2019-ref.nob.txt"), ntrex("newstest2019-ref.eng-GB.txt")
    rng = random.Random(seed)
    seen, pairs = set(), []
    while len(pairs) < count:
        i, j = rng.randrange(len(nob)), rng.randrange(len(nob))
        source = splice(nob[i], nob[j])
        if source in seen:
            continue
        seen.add(source)
        pairs.append((source, splice(eng[i], eng[j])))
    return pairs


def change_one(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    digits = [k for k, w in enumerate(words) if any(c.isdigit() for c in w)]
    k = rng.choice(digits) if digits else rng.randrange(len(words))
    words[k] = str(rng.randrange(10, 99)) if digits else words[k][:-1] + "x"
    return " ".join(words)


def timed(work, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=None, help="Folder for the memory and the model (default: a temporary one).")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="nb2en-bench-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["OMP_NUM_THREADS"] = os.environ.get("OMP_NUM_THREADS", "1")

    from translate.memory import Memory

    print(f"# {args.entries} entries, work folder {work}, load average {os.getloadavg()[0]:.1f}")
    pairs = make_entries(args.entries)
    tsv = work / "memory.tsv"
    tsv.write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    memory_dir = work / "memory"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    import resource

    for label in ("import (all new)", "import again (all unchanged)"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "translate", "memory", "import", str(tsv), "--memory-dir", str(memory_dir)],
            env=env, capture_output=True, text=True, check=True,
        )
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(
            f"{label}: {seconds:.2f} s wall, {cpu:.2f} s CPU ({args.entries / cpu:,.0f} entries per CPU second), "
            f"load {os.getloadavg()[0]:.1f}: {done.stdout.strip()}"
        )
    size = sum(p.stat().st_size for p in memory_dir.glob("memory.sqlite3*"))
    print(f"memory file: {size / 1e6:.1f} MB")

    memory = Memory(memory_dir, create=False)
    rng = random.Random(11)
    misses = ntrex("newstest2019-ref.nob.txt")[:2000]
    hits = [source for source, _ in rng.sample(pairs, 1000)]
    near = [change_one(source, rng) for source, _ in rng.sample(pairs, 1000)]

    def lookup(texts):
        found = memory.lookup(texts)
        for text in texts:
            if text not in found:
                memory.near(text)

    for label, texts in (("misses (no entry, no near miss)", misses), ("exact hits", hits), ("near misses (one word changed)", near)):
        seconds = timed(lambda: lookup(texts), repeat=3)
        print(f"lookup, {label}: {seconds / len(texts) * 1e6:.0f} us/sentence ({len(texts)} sentences)")
    exact = timed(lambda: memory.lookup(misses), repeat=3)
    print(f"exact lookup alone (one call for {len(misses)} sentences): {exact / len(misses) * 1e6:.1f} us/sentence")
    found = sum(1 for text in near if memory.near(text) is not None)
    print(f"near misses found: {found}/{len(near)} (score >= 95 needs a long enough sentence)")

    # rapidfuzz vs difflib on the candidate pairs near() scores.
    import difflib

    from rapidfuzz import fuzz

    candidates = [(text, source) for text, (source, _) in zip(near, rng.sample(pairs, 1000))]
    rf = timed(lambda: [fuzz.ratio(a, b) for a, b in candidates], repeat=3)
    dl = timed(lambda: [difflib.SequenceMatcher(None, a, b).ratio() for a, b in candidates], repeat=3)
    print(f"scorer per pair: rapidfuzz {rf / len(candidates) * 1e6:.2f} us, difflib {dl / len(candidates) * 1e6:.1f} us ({dl / rf:.0f}x)")

    translation_overhead(work, memory_dir, misses[:400])
    memory.close()


def translation_overhead(work: Path, memory_dir: Path, sentences: list[str]) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from tiny_models import build_tiny_marian

    from translate.io import SourceText
    from translate.pipeline import Translator, prepare_article, translate_prepared
    from translate.settings import Settings

    model_dir = work / "tiny-marian"
    if not (model_dir / "config.json").exists():
        build_tiny_marian(model_dir)
    text = "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)) + "\n"
    empty_dir = work / "no-memory-here"

    def translator(use_memory: bool, use_cache: bool, fmt: str):
        settings = Settings(
            model=str(model_dir), beam_size=1, cache_dir=work / "cache", use_cache=use_cache, output_format=fmt,
            memory_dir=memory_dir if use_memory else empty_dir, use_memory=use_memory,
        )
        made = Translator(settings)
        made.backend.ensure_loaded()
        return made

    def once(made) -> float:
        source = SourceText(path="bench.txt", text=text, sha256="sha256:bench", encoding="utf-8", warnings=[])
        started = time.perf_counter()
        translate_prepared([prepare_article(source)], made)
        return time.perf_counter() - started

    # The configurations take turns, round after round (a loaded machine's spikes hit them
    # all alike); the best round of each counts.
    for use_cache, rounds in ((True, 9), (False, 2)):
        label = "fully cached" if use_cache else "uncached (tiny model)"
        configs = {("--no-memory", "text"): translator(False, use_cache, "text")}
        if use_cache:
            configs[("100k memory", "text")] = translator(True, use_cache, "text")
        configs[("100k memory", "json")] = translator(True, use_cache, "json")
        for made in configs.values():
            once(made)  # fills the cache, converts the model
        best = {key: float("inf") for key in configs}
        for _ in range(rounds):
            for key, made in configs.items():
                best[key] = min(best[key], once(made))
        base = best[("--no-memory", "text")]
        for (what, fmt), seconds in best.items():
            lookups = "none" if what == "--no-memory" else ("exact" if fmt == "text" else "exact + near miss")
            print(
                f"translate {len(sentences)} sentences, {label}, {what} -f {fmt} (lookups: {lookups}): "
                f"{seconds * 1000:.0f} ms, x{seconds / base:.2f} ({(seconds - base) / len(sentences) * 1e6:+.0f} us/sentence)"
            )
        for made in configs.values():
            made.close()


if __name__ == "__main__":
    main()
