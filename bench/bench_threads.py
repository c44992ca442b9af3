"""Model threads under a competing load: the default (one per usable CPU) vs fewer.

    python bench/bench_threads.py --threads 2,1,2p,2s,2s10000 --rounds 3 [--burn N]

A plain count runs with the product's default wait policy. A trailing ``p`` sets
``OMP_WAIT_POLICY=PASSIVE`` (CTranslate2's OpenMP threads sleep as soon as they wait for
work); ``s`` sets ``GOMP_SPINCOUNT=300000`` (libgomp's own default when nothing is set: spin
about 3 ms, then sleep) and ``sN`` ``GOMP_SPINCOUNT=N`` (libgomp honours the spin count
whatever the wait policy).

Runs ``nb2en translate <seed article> --no-cache --threads N`` in fresh processes, the thread
counts interleaved round by round (A B, B A, ...), with the realistic-length bench model
(``bench/shapes.py``), OMP_NUM_THREADS unset, and prints wall and CPU seconds and the load
average of each run. ``--burn N`` adds N busy-looping processes for the duration (a competing
load of known size); without it the load is whatever else runs on the machine, reported.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent


def burn(stop_at: float) -> None:
    while time.time() < stop_at:
        pass


def split_variant(variant: str) -> tuple[str, dict[str, str]]:
    """"2s10000" -> ("2", {"GOMP_SPINCOUNT": "10000"}); see the module docstring."""
    count, rest = variant[: len(variant) - len(variant.lstrip("0123456789"))], variant.lstrip("0123456789")
    if rest == "p":
        return count, {"OMP_WAIT_POLICY": "PASSIVE"}
    if rest.startswith("s"):
        return count, {"GOMP_SPINCOUNT": rest[1:] or "300000"}
    if rest:
        raise SystemExit(f"unknown thread variant {variant!r}: use N, Np, Ns or NsSPINS")
    return count, {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="2,1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burn", type=int, default=0)
    parser.add_argument("--stop", choices=["realistic", "never"], default="realistic")
    parser.add_argument("--article", type=Path, default=REPO_ROOT / "seeds" / "ntb-2017-11-albu-kamal.txt")
    parser.add_argument("--work", type=Path, default=BENCH_DIR / "out" / "threads")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(BENCH_DIR))
    from shapes import bench_model

    model = bench_model(BENCH_DIR / "out" / "models", "base", args.stop)
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    command = [sys.executable, "-m", "translate", "translate", str(args.article), "--model", str(model), "--no-cache",
               "--cache-dir", str(args.work / "cache"), "-f", "json"]
    subprocess.run(command + ["--threads", "1"], env=env, check=True, stdout=subprocess.DEVNULL)  # converts once
    burners = []
    if args.burn:
        stop_at = time.time() + 24 * 3600
        burners = [multiprocessing.Process(target=burn, args=(stop_at,), daemon=True) for _ in range(args.burn)]
        for p in burners:
            p.start()
    counts = args.threads.split(",")
    runs: dict[str, list[tuple[float, float, float]]] = {n: [] for n in counts}
    try:
        for round_ in range(args.rounds):
            for n in counts if round_ % 2 == 0 else counts[::-1]:
                started = time.perf_counter()
                count, policy = split_variant(n)
                process = subprocess.Popen(command + ["--threads", count], env={**env, **policy}, stdout=subprocess.DEVNULL)
                _, status, usage = os.wait4(process.pid, 0)
                wall = time.perf_counter() - started
                runs[n].append((wall, usage.ru_utime + usage.ru_stime, os.getloadavg()[0]))
                print(f"round {round_ + 1}, --threads {n}: {wall:.1f} s wall, "
                      f"{usage.ru_utime + usage.ru_stime:.1f} s CPU, load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        for p in burners:
            p.terminate()
    print(f"\n{os.cpu_count()} CPUs; burners {args.burn}; model base-{args.stop}; article {args.article.name}")
    for n, values in runs.items():
        walls = [v[0] for v in values]
        print(f"--threads {n}: median {statistics.median(walls):.1f} s, best {min(walls):.1f} s wall "
              f"(all {', '.join(f'{w:.1f}' for w in walls)}); CPU median {statistics.median(v[1] for v in values):.1f} s;"
              f" load {', '.join(f'{v[2]:.1f}' for v in values)}")


if __name__ == "__main__":
    main()
