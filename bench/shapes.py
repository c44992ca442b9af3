"""Random-weight Marian models with the real shapes, for benchmarks (not tests).

``build_random_marian(out_dir, "big" | "base")`` writes a model directory that loads like
the hub models (``MarianTokenizer`` / ``MarianMTModel``, CTranslate2's
``TransformersConverter``), so speed is measured on real-sized work:

* ``big``:  transformer-big like Helsinki-NLP/opus-mt-tc-big-gmq-en (the default model):
  d_model 1024, 6+6 layers, 16 heads, FFN 4096, 1024 positions, ``</s>`` mid-vocabulary.
* ``base``: transformer-base like Helsinki-NLP/opus-mt-gmq-en: d_model 512, 6+6 layers,
  8 heads, FFN 2048, 512 positions, ``</s>``=0.

Both have 54,765 vocabulary entries, the size of opus-mt-tc-big-gmq-en, so the embedding
and output-projection cost is real. Training sentencepiece models that large needs a big
corpus, so the tokenizer is smaller: sentencepiece models are trained on the repository's
text (a few thousand Norwegian pieces, about a thousand English ones) and ``vocab.json`` is
padded with dummy entries ``<dummy_N>`` up to the full size. The dummies are never produced
by the tokenizer, but the model can generate them. Consequences for benchmarks:

* Source sentences split into somewhat more pieces than with the real 32k-piece models;
  compare configurations in the same run (ratios), and report tokens as well as sentences.
* The output bias of ``</s>`` is set very low, so the model never stops by itself: every
  sentence decodes exactly to the length cap (``max_new_tokens`` / ``max_decoding_length``).
  Set the cap to the target length you want to simulate (about 1.2 x source tokens).
* Weights are random (seeded) and saved as float16, as the hub's opus-mt-tc-big weights
  are; transformers 5 loads them as float16 unless ``dtype=torch.float32`` is passed.

Run ``python bench/shapes.py base /tmp/nb2en-base`` to build one and time a generate call.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from tiny_models import write_marian_tokenizer, write_random_marian  # noqa: E402

VOCAB_SIZE = 54_765  # opus-mt-tc-big-gmq-en: vocab_size 54765, <pad> = 54764

SHAPES: dict[str, dict] = {
    "big": {"d_model": 1024, "layers": 6, "heads": 16, "ffn": 4096, "max_positions": 1024, "layout": "tc"},
    "base": {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048, "max_positions": 512, "layout": "classic"},
}


def build_random_marian(out_dir: Path, shape: str, *, seed: int = 0, dtype: str = "float16") -> Path:
    """Write a random-weight MarianMTModel of ``shape`` ("big" or "base") to ``out_dir``."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: choose one of {', '.join(SHAPES)}")
    spec = SHAPES[shape]
    out_dir = Path(out_dir)
    ids = write_marian_tokenizer(
        out_dir,
        source_vocab_size=4000,
        target_vocab_size=1000,
        total_vocab_size=VOCAB_SIZE,
        layout=spec["layout"],
        model_max_length=512,
    )
    write_random_marian(
        out_dir,
        ids,
        d_model=spec["d_model"],
        layers=spec["layers"],
        heads=spec["heads"],
        ffn=spec["ffn"],
        max_positions=spec["max_positions"],
        seed=seed,
        eos_bias=-100.0,
        dtype=dtype,
    )
    return out_dir


def _main(argv: list[str]) -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Build a random Marian of a real shape and time one generate.")
    parser.add_argument("shape", choices=sorted(SHAPES))
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--max-new-tokens", type=int, default=40)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    build_random_marian(args.out_dir, args.shape)
    print(f"built {args.shape} in {time.perf_counter() - start:.1f} s -> {args.out_dir}")

    import torch
    from transformers import MarianMTModel, MarianTokenizer

    tok = MarianTokenizer.from_pretrained(args.out_dir)
    model = MarianMTModel.from_pretrained(args.out_dir, dtype=torch.float32).eval()
    print(f"parameters: {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M")
    sentences = [
        "IS har gjenerobret hele Albu Kamal, sier SOHR-leder Rami Abdulrahman.",
        "Landsbyene i nærheten og flyktningleirene i området er fulle av folk som har flyktet fra kampene.",
    ]
    batch = tok(sentences, return_tensors="pt", padding=True)
    with torch.inference_mode():
        start = time.perf_counter()
        out = model.generate(**batch, num_beams=4, max_new_tokens=args.max_new_tokens)
        elapsed = time.perf_counter() - start
    print(
        f"generate: {len(sentences)} sentences, {batch['input_ids'].shape[1]} source tokens max, "
        f"{out.shape[1] - 1} target tokens, beam 4: {elapsed:.2f} s"
    )


if __name__ == "__main__":
    _main(sys.argv[1:])
