"""What `nb2en eval` costs beyond translation: sacrebleu scoring of a FLORES-sized set.

1012 lines (the size of FLORES-200 devtest) of given English, no model: corpus scores
(BLEU, chrF, chrF++, TER), per-segment chrF for --details, and the paired bootstrap test
at two resample counts. Prints seconds and ratios measured in the same run.

    PYTHONPATH=. python bench/bench_eval.py
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from translate import evaluate

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
LINES = 1012


def english_lines(seed: int) -> list[str]:
    pool = [line for line in (DATA / "eng-news.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    return [" ".join(rng.choice(pool).split()[: rng.randint(5, 25)]) for _ in range(LINES)]


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    sources = (DATA / "nob-ud-dev.txt").read_text(encoding="utf-8").splitlines()[:LINES]
    references, a, b = english_lines(1), english_lines(2), english_lines(3)
    load = os.getloadavg()[0]
    seconds = {
        "corpus scores (4 metrics)": timed(lambda: evaluate.corpus_scores(a, references)),
        "number flags for given English": timed(lambda: evaluate.given_system("A", sources, a)),
        "sentence chrF (--details)": timed(lambda: evaluate.sentence_chrf(a, references)),
        "paired bootstrap, 100 resamples": timed(lambda: evaluate.paired_bootstrap(a, b, references, 100)),
        "paired bootstrap, 1000 resamples": timed(lambda: evaluate.paired_bootstrap(a, b, references, 1000)),
    }
    base = seconds["corpus scores (4 metrics)"]
    print(f"{LINES} lines, load average at start {load:.1f} on {os.cpu_count()} CPUs")
    for name, value in seconds.items():
        print(f"{name:<34} {value:7.2f} s  {value / base:5.1f}x corpus scores")


if __name__ == "__main__":
    main()
