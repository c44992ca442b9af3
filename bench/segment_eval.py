"""Sentence-splitting accuracy of translate.segment on the UD Norwegian Bokmål dev paragraphs.

Usage:
    python bench/segment_eval.py [--data PATH] [--compare] [--errors N]

Each line of the data file is {"sents": [...]}; the paragraph is " ".join(sents) and
the gold split is the list. A predicted sentence counts as correct when its span
(start, end) equals a gold sentence's span exactly. Prints precision, recall and F1
(micro-averaged over sentences) and the time taken. With --compare, also scores the
off-the-shelf splitters pysbd, syntok, blingfire and sentencex where installed
(a missing one is reported and skipped).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from translate.segment import SEGMENTER_VERSION, split_sentences  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "ud-nob-dev.paragraphs.jsonl"


def load(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["sents"] for line in f if line.strip()]


def gold_spans(sents: list[str]) -> set[tuple[int, int]]:
    spans, pos = set(), 0
    for s in sents:
        spans.add((pos, pos + len(s)))
        pos += len(s) + 1
    return spans


def spans_of(text: str, pieces: list[str]) -> set[tuple[int, int]]:
    """Map split strings back to offsets in `text` (splitters may strip or drop text)."""
    spans, pos = set(), 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        start = text.find(piece, pos)
        if start < 0:  # the splitter changed the text; count the piece as wrong
            spans.add((-1, id(piece)))
            continue
        spans.add((start, start + len(piece)))
        pos = start + len(piece)
    return spans


def score(paragraphs: list[list[str]], split: Callable[[str], list[str]], errors: int = 0):
    tp = n_pred = n_gold = 0
    shown = 0
    t0 = time.perf_counter()
    predicted = [split(" ".join(sents)) for sents in paragraphs]
    elapsed = time.perf_counter() - t0
    for sents, pieces in zip(paragraphs, predicted):
        text = " ".join(sents)
        gold, pred = gold_spans(sents), spans_of(text, pieces)
        tp += len(gold & pred)
        n_pred += len(pred)
        n_gold += len(gold)
        if shown < errors and gold != pred:
            shown += 1
            print("--- gold only:")
            for s, e in sorted(gold - pred):
                print("   ", text[s:e])
            print("    predicted only:")
            for s, e in sorted(p for p in pred - gold if p[0] >= 0):
                print("   ", text[s:e])
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, elapsed, n_gold


def news_paragraphs() -> list[list[str]]:
    """The hand-written news paragraphs (gold split by hand) from tests/test_segment.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("test_segment", REPO / "tests" / "test_segment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # needs pytest importable
    return module.NEWS_PARAGRAPHS


def print_table(title: str, rows: list[tuple]) -> None:
    print(title)
    print(f"| {'splitter':<22} | precision | recall |     F1 | seconds |")
    print(f"|{'-' * 24}|----------:|-------:|-------:|--------:|")
    for name, p, r, f, secs, _ in rows:
        print(f"| {name:<22} |    {p:.4f} | {r:.4f} | {f:.4f} | {secs:7.3f} |")
    print()


def other_splitters() -> dict[str, Callable[[str], list[str]] | str]:
    """Off-the-shelf splitters, or the reason one is unavailable."""
    found: dict[str, Callable[[str], list[str]] | str] = {}
    try:
        import pysbd

        seg = pysbd.Segmenter(language="da", clean=False)  # no Norwegian model; Danish is closest
        found["pysbd (da)"] = seg.segment
    except Exception as exc:  # noqa: BLE001 - optional comparison only
        found["pysbd"] = f"unavailable: {exc}"
    try:
        import syntok.segmenter as syntok_segmenter

        def syntok_split(text: str) -> list[str]:
            out = []
            for paragraph in syntok_segmenter.analyze(text):
                for sentence in paragraph:
                    start = sentence[0].offset
                    end = sentence[-1].offset + len(sentence[-1].value)
                    out.append(text[start:end])
            return out

        found["syntok"] = syntok_split
    except Exception as exc:  # noqa: BLE001
        found["syntok"] = f"unavailable: {exc}"
    try:
        import blingfire

        found["blingfire"] = lambda text: blingfire.text_to_sentences(text).split("\n")
    except Exception as exc:  # noqa: BLE001
        found["blingfire"] = f"unavailable: {exc}"
    try:
        from sentencex import segment as sentencex_segment

        found["sentencex (nb)"] = lambda text: list(sentencex_segment("nb", text))
        found["sentencex (da)"] = lambda text: list(sentencex_segment("da", text))
    except Exception as exc:  # noqa: BLE001
        found["sentencex"] = f"unavailable: {exc}"
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--compare", action="store_true", help="also score pysbd, syntok, blingfire, sentencex")
    ap.add_argument("--errors", type=int, default=0, help="print the first N paragraphs that differ")
    args = ap.parse_args()
    if not args.data.exists():
        print(f"data file not found: {args.data}", file=sys.stderr)
        return 2
    paragraphs = load(args.data)
    splitters: dict[str, Callable[[str], list[str]]] = {"nb2en " + SEGMENTER_VERSION: split_sentences}
    if args.compare:
        for name, split in other_splitters().items():
            if isinstance(split, str):
                print(f"skipped {name}: {split}", file=sys.stderr)
            else:
                splitters[name] = split
    datasets = [(args.data.name, paragraphs)]
    try:
        datasets.append(("hand-written news (tests/test_segment.py)", news_paragraphs()))
    except Exception as exc:  # noqa: BLE001 - the second table is optional
        print(f"skipped hand-written news: {exc}", file=sys.stderr)
    for title, data in datasets:
        rows = [(name, *score(data, split, args.errors if i == 0 and data is paragraphs else 0))
                for i, (name, split) in enumerate(splitters.items())]
        n_sents = sum(len(p) for p in data)
        print_table(f"{title}: {len(data)} paragraphs, {n_sents} gold sentences", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
