"""How long the bench models' outputs are: the check behind "realistic" in bench/shapes.py.

    python bench/stop_lengths.py --shape base --stop realistic --sentences 48

Translates the first NTREX sentences (../shared/data/ntrex, Bokmål side) one batch of 8 at a
time with CTranslate2 int8 at the given beam and the product's tight length caps (the
repair's; a first pass's caps are higher), and prints the output/source token ratio (mean,
sd, deciles), how many outputs reached their cap, how many nb2en's repetition check flags,
the correlation of output with source length, and the same ratio for NTREX's English side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(REPO_ROOT))

NTREX = REPO_ROOT.parent / "shared" / "data" / "ntrex"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=["base", "big"], default="base")
    parser.add_argument("--stop", choices=["realistic", "never"], default="realistic")
    parser.add_argument("--sentences", type=int, default=48)
    parser.add_argument("--beam-size", type=int, default=4)
    parser.add_argument("--ntrex", type=Path, default=NTREX)
    parser.add_argument("--models", type=Path, default=BENCH_DIR / "out" / "models")
    args = parser.parse_args(argv)

    import ctranslate2
    import sentencepiece
    from ctranslate2.converters import TransformersConverter
    from shapes import bench_model

    from translate.backends import DecodingSettings
    from translate.faithful import is_repetitive

    model_dir = bench_model(args.models, args.shape, args.stop)
    converted = model_dir / "ct2-int8"
    if not (converted / "model.bin").exists():
        TransformersConverter(str(model_dir)).convert(str(converted), quantization="int8", force=True)
    source = (args.ntrex / "newstest2019-ref.nob.txt").read_text(encoding="utf-8").splitlines()[: args.sentences]
    english = (args.ntrex / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()[: len(source)]
    source_sp = sentencepiece.SentencePieceProcessor(model_file=str(model_dir / "source.spm"))
    target_sp = sentencepiece.SentencePieceProcessor(model_file=str(model_dir / "target.spm"))
    translator = ctranslate2.Translator(str(converted), compute_type="int8", intra_threads=2)
    tokens = [pieces + ["</s>"] for pieces in source_sp.encode(source, out_type=str)]
    lengths = [len(t) for t in tokens]
    decoding = DecodingSettings(beam_size=args.beam_size)
    caps = [decoding.max_new_tokens(n, 512, tight=True) for n in lengths]
    started = time.perf_counter()
    outputs: list[int] = []
    texts: list[str] = []
    for i in range(0, len(tokens), 8):
        results = translator.translate_batch(
            tokens[i : i + 8], beam_size=args.beam_size, max_decoding_length=max(caps[i : i + 8])
        )
        outputs += [len(r.hypotheses[0]) for r in results]
        texts += [target_sp.decode_pieces([p for p in r.hypotheses[0] if not p.startswith("<")]) for r in results]
    elapsed = time.perf_counter() - started
    ratios = [o / n for o, n in zip(outputs, lengths)]
    at_cap = sum(o >= c for o, c in zip(outputs, caps))
    english_ratios = [(len(e) + 1) / n for e, n in zip(target_sp.encode(english), lengths)]

    def deciles(values):
        return ", ".join(f"{v:.2f}" for v in statistics.quantiles(values, n=10))

    print(f"{args.shape}-{args.stop}, beam {args.beam_size}, {len(source)} NTREX sentences, {elapsed:.1f} s")
    print(f"source tokens mean {statistics.mean(lengths):.1f}; output tokens mean {statistics.mean(outputs):.1f}")
    print(f"output/source: mean {statistics.mean(ratios):.2f} sd {statistics.pstdev(ratios):.2f} deciles {deciles(ratios)}")
    repetitive = sum(map(is_repetitive, texts))
    print(f"at the cap: {at_cap}/{len(source)}; flagged repetitive: {repetitive}/{len(source)}; correlation output vs source length {statistics.correlation(outputs, lengths):.2f}")
    print(f"NTREX English/source (same tokenizers): mean {statistics.mean(english_ratios):.2f} "
          f"sd {statistics.pstdev(english_ratios):.2f} deciles {deciles(english_ratios)}")


if __name__ == "__main__":
    main()
