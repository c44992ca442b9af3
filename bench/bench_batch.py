"""Cross-article batching in `nb2en batch`: shared model batches vs one article at a time.

Builds a folder of short articles (default 40, each a heading and a few paragraphs of
distinct Norwegian sentences from tests/data/nob-ud-dev.txt, so no sentence repeats and
deduplication cannot flatter the shared run), then translates it twice with the same
loaded model, the cache disabled:

* one-at-a-time: ``run_batch`` with ``window_sentences=1``: every article goes to the model
  on its own (what a loop over ``nb2en translate`` would do, minus process start-up);
* shared: ``run_batch`` with the default window (256 sentences): sentences of several
  articles share model batches.

Same code path, same files, same settings; only the window differs. Prints both timings
and the ratio. The model is a random-weight Marian with a real shape (bench/shapes.py) or
the tiny test model; random weights never stop early, so every sentence decodes to the
length cap and is repaired (retranslated in pieces) as real run-away outputs would be.

    python bench/bench_batch.py --shape base --articles 40 --beam-size 4
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

HEADINGS = ["Motangrep", "Kamper i Irak", "Nye tall", "Reaksjoner", "Bakgrunn", "Vil anke"]


def make_folder(root: Path, articles: int, seed: int = 1) -> int:
    """Short articles in nested folders; returns the number of sentences written."""
    lines = [line.strip() for line in (ROOT / "tests" / "data" / "nob-ud-dev.txt").read_text(encoding="utf-8").splitlines()]
    lines = [line for line in dict.fromkeys(lines) if 4 <= len(line.split()) <= 40]
    rng = random.Random(seed)
    rng.shuffle(lines)
    position = written = 0
    for i in range(articles):
        paragraphs = []
        for _ in range(rng.randint(2, 4)):
            count = rng.randint(1, 3)
            paragraphs.append(" ".join(lines[position : position + count]))
            position += count
            written += count
        parts = [paragraphs[0], HEADINGS[i % len(HEADINGS)], *paragraphs[1:], "(©NTB)"]
        path = root / ["", "innland", "utland/a", "utland/b"][i % 4] / f"sak-{i:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return written + articles  # headings are sentences too


def build_model(shape: str, models_dir: Path, stop: str = "never") -> Path:
    """The bench model (``stop``: "never" runs to the cap, the worst case; "realistic" stops
    like a trained model, see bench/shapes.py). The tiny test model never stops."""
    if shape != "tiny":
        from shapes import bench_model

        return bench_model(models_dir, shape, stop)
    target = models_dir / shape
    if (target / "config.json").exists():
        return target
    from tiny_models import build_tiny_marian

    return build_tiny_marian(target)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=["tiny", "base", "big"], default="base")
    parser.add_argument("--stop", choices=["never", "realistic"], default="never",
                        help="Bench model that runs to the cap (worst case) or stops like a real one (bench/shapes.py).")
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--beam-size", type=int, default=4)
    parser.add_argument("--backend", default="ctranslate2")
    parser.add_argument("--window-sentences", type=int, default=256)
    parser.add_argument("--work-dir", type=Path, default=ROOT / "bench" / "out" / "batch")
    args = parser.parse_args(argv)

    from translate.batch import BatchOptions, run_batch
    from translate.pipeline import Translator
    from translate.settings import Settings

    work = args.work_dir
    models_dir = work.parent / "models"
    started = time.perf_counter()
    model_dir = build_model(args.shape, models_dir, args.stop)
    print(f"model: random {args.shape} Marian at {model_dir} (ready in {time.perf_counter() - started:.1f} s)")

    scratch = Path(tempfile.mkdtemp(prefix="bench-batch-", dir=work.parent if work.parent.exists() else None))
    try:
        in_dir = scratch / "in"
        sentences = make_folder(in_dir, args.articles)
        settings = Settings(
            model=str(model_dir), backend=args.backend, beam_size=args.beam_size,
            cache_dir=work.parent / "cache", use_cache=False,
        )
        translator = Translator(settings)
        started = time.perf_counter()
        translator.backend.ensure_loaded()
        translator.backend.translate_batch(["Dette er en setning for å varme opp modellen."])
        print(f"backend: {translator.model_info()['backend']} {translator.model_info()['compute_type']}, "
              f"beam {args.beam_size}, load + warm-up {time.perf_counter() - started:.1f} s")
        print(f"folder: {args.articles} articles, {sentences} sentences, cache disabled")

        timings = {}
        for label, window in (("one-at-a-time", 1), ("shared", args.window_sentences)):
            options = BatchOptions(in_dir, scratch / f"out-{label}", window_sentences=window)
            started = time.perf_counter()
            summary = run_batch(options, translator)
            elapsed = time.perf_counter() - started
            assert summary.ok == args.articles and not summary.failed, summary
            timings[label] = elapsed
            print(f"{label:>14}: {elapsed:7.1f} s  {summary.sentences / elapsed:6.1f} sentences/s  "
                  f"{summary.words / elapsed:7.1f} words/s")
        ratio = timings["one-at-a-time"] / timings["shared"]
        print(f"ratio: shared model batches are {ratio:.2f}x faster than one article at a time")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
