"""Local vs Ray engine on one machine: the same folder's cache misses, the same run.

Builds a folder of short articles (bench_batch.make_folder: distinct sentences, so nothing
is deduplicated), parses it into sentences once, and has them translated, in the chunks
of 256 that the batch pipeline hands to its miss translator, by:

* local:           ``translate_texts`` in this process (what ``--engine local`` does),
                   CTranslate2 with as many threads as the machine has;
* ray 1x<N> cpu:   one Ray actor with all N CPUs (same compute as local: the Ray overhead);
* ray <N>x1 cpu:   N actors with one CPU each (sentences per second per actor).

Then the same folder end to end through ``run_batch`` (reading, parsing, rendering, writing
included), local engine vs Ray engine with N actors x 1 CPU; the output files must be
identical. Same model, settings and sentences everywhere; every configuration must return exactly the
local results (checked). The configurations alternate round by round; the best round counts. Only the miss translation is timed: the rest of a batch run
(reading, parsing, cache, writing) runs on the driver and is the same for both engines.
Ray start-up and model loading are timed separately. Prints sentences/s and ratios.

The model has random weights, so it never stops by itself: every sentence decodes to the
length cap (1.5 x source tokens + 10, rounded up to 8; ~1.3-1.5x what a real model writes).
``--repair`` off by default, so each sentence is decoded once (with repair, random outputs
are all retranslated in pieces: ~3x the work, the same ratio).

    python bench/bench_ray.py --shape base --articles 10 --beam-size 4
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_batch import build_model, make_folder  # noqa: E402

CHUNK = 256  # the batch pipeline's miss chunk (translate.pipeline.CACHE_WRITE_CHUNK)


def folder_sentences(in_dir: Path) -> list[str]:
    """The distinct sentences of every article, longest first (as the pipeline sends misses)."""
    from translate.article import parse_article

    texts: dict[str, None] = {}
    for path in sorted(in_dir.rglob("*.txt")):
        for sentence in parse_article(path.read_text(encoding="utf-8")).sentences():
            if sentence.translate:
                texts.setdefault(sentence.source)
    return sorted(texts, key=len, reverse=True)


def timed(label: str, translate, texts: list[str], reference=None) -> tuple[float, list]:
    started = time.perf_counter()
    results = []
    for start in range(0, len(texts), CHUNK):
        results.extend(translate(texts[start : start + CHUNK]))
    elapsed = time.perf_counter() - started
    if reference is not None and results != reference:
        raise SystemExit(f"{label}: results differ from the local engine's")
    print(f"{label:>16}: {elapsed:7.1f} s  {len(texts) / elapsed:6.2f} sentences/s", flush=True)
    return elapsed, results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=["tiny", "base", "big"], default="base")
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--beam-size", type=int, default=4)
    parser.add_argument("--repair", action="store_true")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of all configurations, alternating")
    parser.add_argument("--cpus", type=int, default=None, help="CPUs to use (default: all this process may use)")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "bench" / "out" / "ray")
    args = parser.parse_args(argv)

    import ray

    from translate.backends import BackendChoice, DecodingSettings, create_backend
    from translate.backends.ctranslate2_backend import usable_cpu_count
    from translate.faithful import translate_texts
    from translate.models import resolve_model
    from translate.batch.engines.ray import RayMissTranslator, RayOptions

    cpus = args.cpus or usable_cpu_count()
    models_dir = args.work_dir.parent / "models"
    cache_dir = args.work_dir.parent / "cache"
    started = time.perf_counter()
    model_dir = build_model(args.shape, models_dir)
    print(f"model: random {args.shape} Marian at {model_dir} (ready in {time.perf_counter() - started:.1f} s)")
    print(f"machine: {os.cpu_count()} CPUs, using {cpus}; load average {os.getloadavg()}")

    def backend():
        choice = BackendChoice("ctranslate2", "cpu", "int8", "bench")
        made = create_backend(resolve_model(str(model_dir)), choice, DecodingSettings(beam_size=args.beam_size), cache_dir)
        made.cpu_threads = cpus
        return made

    scratch = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        make_folder(scratch / "in", args.articles)
        texts = folder_sentences(scratch / "in")
        print(f"folder: {args.articles} articles, {len(texts)} distinct sentences; beam {args.beam_size}, "
              f"repair {'on' if args.repair else 'off'}, CTranslate2 int8")

        local = backend()
        started = time.perf_counter()
        local.ensure_loaded()
        print(f"local load: {time.perf_counter() - started:.1f} s")
        warm = ["Dette er en setning for å varme opp modellen."]
        translate_texts(local, warm, repair=False)

        # Both pools stay up for the whole run (Ray CPUs are logical: an idle actor costs
        # nothing), so the configurations can alternate round by round; best round counts.
        started = time.perf_counter()
        ray.init(num_cpus=2 * cpus, include_dashboard=False, log_to_driver=False, logging_level=30)
        print(f"ray start: {time.perf_counter() - started:.1f} s")
        configs = {"local": lambda chunk: translate_texts(local, chunk, repair=args.repair)}
        pools = []
        for actors, per_actor in ((1, cpus), (cpus, 1)):
            label = f"ray {actors}x{per_actor} cpu"
            pool = RayMissTranslator(backend(), repair=args.repair, options=RayOptions(actors=actors, cpus_per_actor=per_actor))
            started = time.perf_counter()
            pool.start()
            pool(warm)
            print(f"{label}: actors up, model loaded, warmed up in {time.perf_counter() - started:.1f} s")
            pools.append(pool)
            configs[label] = pool
        best: dict[str, float] = {}
        reference = None
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number} (load average {os.getloadavg()[0]:.1f})")
            for label, translate in configs.items():
                elapsed, results = timed(label, translate, texts, reference)
                reference = reference or results
                best[label] = min(best.get(label, elapsed), elapsed)
        for pool in pools:
            pool.close()

        # End to end: the same folder through `run_batch`, local engine vs Ray engine
        # (reading, parsing, rendering and writing included), cache off, models loaded first.
        from translate.batch import BatchOptions, create_engine, run_batch
        from translate.pipeline import Translator
        from translate.settings import Settings

        settings = Settings(model=str(model_dir), backend="ctranslate2", device="cpu", beam_size=args.beam_size,
                            cache_dir=cache_dir, use_cache=False, repair=args.repair)
        batch_seconds: dict[str, float] = {}
        written: dict[str, dict] = {}
        for label, engine_name, engine_options in (("batch local", "local", {}), (f"batch ray {cpus}x1", "ray", {"actors": cpus})):
            with Translator(settings) as translator, create_engine(engine_name, translator, **engine_options) as engine:
                translator.translate_misses(warm)  # load the model / start the actors, untimed
                out_dir = scratch / f"out-{engine_name}"
                started = time.perf_counter()
                summary = run_batch(BatchOptions(scratch / "in", out_dir), translator, engine=engine)
                batch_seconds[label] = time.perf_counter() - started
            assert summary.ok == args.articles and not summary.failed, summary
            written[label] = {str(p.relative_to(out_dir)): p.read_bytes() for p in sorted(out_dir.rglob("*.en.txt"))}
            print(f"{label:>16}: {batch_seconds[label]:7.1f} s  {summary.sentences / batch_seconds[label]:6.2f} sentences/s "
                  f"({summary.ok} files)", flush=True)
        if len({tuple(files.items()) for files in written.values()}) != 1:
            raise SystemExit("the Ray engine's output files differ from the local engine's")
        ray.shutdown()

        local_s, one, many = best["local"], best[f"ray 1x{cpus} cpu"], best[f"ray {cpus}x1 cpu"]
        print(f"best of {args.rounds}: local {local_s:.1f} s ({len(texts) / local_s:.2f} sentences/s), "
              f"ray 1x{cpus} {one:.1f} s, ray {cpus}x1 {many:.1f} s")
        print(f"Ray overhead, 1 actor with all {cpus} CPUs vs local: {one / local_s - 1:+.1%} time")
        print(f"{cpus} actors x 1 CPU vs local: {local_s / many:.2f}x; "
              f"per actor {len(texts) / many / cpus:.2f} sentences/s")
        e2e_local, e2e_ray = batch_seconds["batch local"], batch_seconds[f"batch ray {cpus}x1"]
        print(f"end to end (run_batch, identical output files): Ray engine {cpus}x1 CPU vs local engine: "
              f"{e2e_local / e2e_ray:.2f}x")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
