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
* ``stop="realistic"`` (the default): the model writes as a trained one does as far as cost
  goes: it ends each sentence at about 1.1x its source's tokens (see "How the realistic model
  stops" below), and what it writes is a stream of different English words, not one token
  repeated (see "How the realistic model writes words"), so nb2en's faithfulness checks pass
  it as they pass a trained model's output and the repair does not run. ``stop="never"``: the
  output bias of ``</s>`` is set very low, so the model never stops by itself: every sentence
  decodes exactly to the length cap (``max_new_tokens`` / ``max_decoding_length``), its
  outputs repeat one token, and the repair retranslates each in halves and quarters: the worst
  case, several times the decoding a real model does.
* Weights are random (seeded) and saved as float16, as the hub's opus-mt-tc-big weights
  are; transformers 5 loads them as float16 unless ``dtype=torch.float32`` is passed.

Run ``python bench/shapes.py base /tmp/nb2en-base`` to build one and time a generate call;
``python bench/stop_lengths.py`` prints the output-length distribution on NTREX sentences.

How the realistic model writes words. A random Marian with tied embeddings copies its previous
token: the input embedding rides the residual stream to the tied output projection, so the
output is one token over and over (``spør spør spør ...``), which nb2en's repetition check flags
and the repair then retranslates, about 3.2x the decoding. The realistic model unties the
decoder's input embeddings from the output projection (``share_encoder_decoder_embeddings``
and ``tie_word_embeddings`` off; CTranslate2 converts the three matrices separately) and sets
the input embedding of each token to the output embedding of its successor on a fixed cycle
through the ~300 whole English words of the target sentencepiece model (tokens off the cycle
lead onto it). The same copying habit then walks the cycle: ``comm min season ten pos strike
cause countries ...``, a different word at each step, with an occasional jump where the
random rest of the network wins. On the first 48 NTREX sentences no output is flagged as
repetitive (before: 15 of 24 sentences, 21 of 22 on the seed article).

How the realistic model stops. A trained Marian ends a sentence when its cross-attention,
which walks along the source roughly monotonically, reaches the source's final ``</s>``. The
realistic model gets exactly that, wired by hand into head 0 of the last decoder layer's
cross-attention; all other weights stay random:

* keys: a least-squares linear read-out of each source position j from the encoder output
  (32 of the sinusoidal position features, periods 12-800 tokens); queries: the same features
  of decoder position t - 4, read out of the decoder state. The head then attends to the
  source token at position t - 4 until that passes the end, then to the source ``</s>``.
* value: a read-out of "this is the source ``</s>``" (1 there, 0 elsewhere); output: that
  scalar written along the ``</s>`` embedding, which the tied output projection turns into a
  large ``</s>`` logit. So the model stops about 4 tokens after the source's length.

The read-outs are fitted on the encoder and decoder states of the random network itself for
NTREX lines 1000-1095 and the 32 longest lines after them (teacher-forced with random target
pieces; the benches use the first lines). Without the long ones, the 3 longest of the first
400 sentences (113-123 tokens) ran to the cap; fitted on the shorter UD sentences of
tests/data, 7 of 48. On the first 400 NTREX sentences at beam 4 (int8 CTranslate2, tight
caps): output/source tokens mean 1.09, sd 0.05, none at the cap; the NTREX English side
measured with the same tokenizers is 1.31 +- 0.28 (our small English sentencepiece model
splits English finer than the real 32k-piece one, so 1.1 is the figure to aim for). The
spread is narrower than real English's and no sentence reaches the cap (a trained model
reaches it for well under 1 % of news sentences); the length of what a trained model writes
is otherwise matched. ``python bench/stop_lengths.py`` prints these figures.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from tiny_models import write_marian_tokenizer, write_random_marian  # noqa: E402

STOPS = ("realistic", "never")
# Written into a built model's ``.complete`` marker; a model built by another version is rebuilt.
BUILD_VERSION = "3: the realistic model walks a cycle of English words; its stop is fitted on long sentences too"
# The realistic model stops this many tokens after the source length (see the docstring).
STOP_OFFSET = 4
# Strength of the </s> push and sharpness of the position-matching attention.
STOP_PUSH, STOP_SHARPNESS = 40.0, 16.0

VOCAB_SIZE = 54_765  # opus-mt-tc-big-gmq-en: vocab_size 54765, <pad> = 54764

SHAPES: dict[str, dict] = {
    "big": {"d_model": 1024, "layers": 6, "heads": 16, "ffn": 4096, "max_positions": 1024, "layout": "tc"},
    "base": {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048, "max_positions": 512, "layout": "classic"},
}


def build_random_marian(
    out_dir: Path, shape: str, *, stop: str = "realistic", seed: int = 0, dtype: str = "float16"
) -> Path:
    """Write a random-weight MarianMTModel of ``shape`` ("big" or "base") to ``out_dir``.

    ``stop``: "realistic" (ends at about 1.1x the source's tokens) or "never" (runs to the cap).
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: choose one of {', '.join(SHAPES)}")
    if stop not in STOPS:
        raise ValueError(f"unknown stop {stop!r}: choose one of {', '.join(STOPS)}")
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
        eos_bias=-100.0 if stop == "never" else 0.0,
        dtype=dtype if stop == "never" else "float32",
    )
    if stop == "realistic":
        _wire_realistic(out_dir, ids, spec, dtype)
    return out_dir


def bench_model(models_dir: Path, shape: str, stop: str = "realistic") -> Path:
    """The model ``models_dir/<shape>-<stop>``, built on first use and reused after."""
    target = Path(models_dir) / f"{shape}-{stop}"
    marker = target / ".complete"
    if not marker.exists() or marker.read_text() != BUILD_VERSION:
        shutil.rmtree(target, ignore_errors=True)  # converted copies inside it are stale too
        build_random_marian(target, shape, stop=stop)
        marker.write_text(BUILD_VERSION)
    return target


def _fit_sentences() -> list[str]:
    """Sentences for the read-out fit: NTREX lines 1000-1095 (news lengths; the benches use
    the first lines) and the 32 longest of lines 1096 on (so that long sentences stop too),
    else the repository's UD sentences joined in pairs (long enough)."""
    ntrex = Path(__file__).resolve().parents[2] / "shared" / "data" / "ntrex" / "newstest2019-ref.nob.txt"
    if ntrex.is_file():
        lines = ntrex.read_text(encoding="utf-8").splitlines()
        return lines[1000:1096] + sorted(lines[1096:], key=len)[-32:]
    ud = Path(__file__).resolve().parent.parent / "tests" / "data" / "nob-ud-dev.txt"
    lines = [line.strip() for line in ud.read_text(encoding="utf-8").splitlines() if len(line.split()) >= 3]
    return [f"{a} {b}" for a, b in zip(lines[0:192:2], lines[1:192:2])]


def _wire_realistic(out_dir: Path, ids: dict, spec: dict, dtype: str) -> None:
    """Give the saved random model a trained model's output: words that do not repeat
    (``_walk_words``), ending at about 1.1x the source (``_wire_stop``); module docstring."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(out_dir)
    model = _walk_words(MarianMTModel.from_pretrained(out_dir, dtype=torch.float32).eval(), out_dir)
    _wire_stop(model, tokenizer, ids, spec)
    model.to(getattr(torch, dtype)).save_pretrained(str(out_dir), safe_serialization=True)


def _walk_words(model, out_dir: Path):
    """Untie the decoder's input embeddings so that the random network's habit of copying its
    previous token becomes a walk along a fixed cycle of English words (module docstring)."""
    import json
    import random

    import sentencepiece
    import torch
    from transformers import MarianConfig, MarianMTModel

    vocab = json.loads((out_dir / "vocab.json").read_text(encoding="utf-8"))
    target = sentencepiece.SentencePieceProcessor(model_file=str(out_dir / "target.spm"))
    pieces = (target.id_to_piece(i) for i in range(target.get_piece_size()))
    words = [p for p in pieces if p.startswith("\u2581") and p[1:].isalpha() and len(p) >= 3 and p in vocab]
    random.Random(0).shuffle(words)
    cycle = [vocab[word] for word in words]
    shared = model.model.shared.weight.detach()
    successor = torch.tensor([cycle[i % len(cycle)] for i in range(shared.shape[0])])
    for i, token in enumerate(cycle):
        successor[token] = cycle[(i + 1) % len(cycle)]
    settings = {k: v for k, v in model.config.to_dict().items() if k not in ("architectures", "transformers_version")}
    settings.update(share_encoder_decoder_embeddings=False, tie_word_embeddings=False)
    untied = MarianMTModel(MarianConfig(**settings)).eval()
    state = {k: v for k, v in model.state_dict().items() if k != "model.shared.weight"}
    state["model.encoder.embed_tokens.weight"] = shared.clone()
    state["model.decoder.embed_tokens.weight"] = shared[successor].clone()
    state["lm_head.weight"] = shared.clone()
    untied.load_state_dict(state, strict=True)
    untied.generation_config = model.generation_config
    return untied


def _wire_stop(model, tokenizer, ids: dict, spec: dict) -> None:
    """Give the random model the stop behaviour of a trained one (module docstring)."""
    import math

    import torch
    d_model, layers = spec["d_model"], spec["layers"]
    sentences = _fit_sentences()
    generator = torch.Generator().manual_seed(0)
    enc, enc_pos, enc_end, dec, dec_pos = [], [], [], [], []
    with torch.inference_mode():
        for start in range(0, len(sentences), 16):
            batch = tokenizer(sentences[start : start + 16], return_tensors="pt", padding=True)
            lengths = batch["attention_mask"].sum(1)
            steps = int(1.5 * lengths.max()) + 12
            targets = torch.randint(5, 1000, (len(lengths), steps), generator=generator)
            targets[:, 0] = model.config.decoder_start_token_id
            out = model(**batch, decoder_input_ids=targets, output_hidden_states=True)
            for row, n in enumerate(lengths.tolist()):
                enc.append(out.encoder_last_hidden_state[row, :n])
                enc_pos.append(torch.arange(n, dtype=torch.float32))
                enc_end.append((torch.arange(n) == n - 1).float())
                t = int(1.5 * n) + 12
                dec.append(out.decoder_hidden_states[layers - 1][row, :t])
                dec_pos.append(torch.arange(t, dtype=torch.float32))
    enc, enc_pos, enc_end = torch.cat(enc), torch.cat(enc_pos), torch.cat(enc_end)
    dec, dec_pos = torch.cat(dec), torch.cat(dec_pos)
    # 32 of the model's own sinusoid frequencies, periods from about 12 to 800 positions.
    index = (torch.linspace(18, 135, 32) * d_model / 512).round()
    freq = 1.0 / (10000 ** (2 * index / d_model))

    def features(pos):
        return torch.cat([torch.sin(pos[:, None] * freq), torch.cos(pos[:, None] * freq)], 1)

    def fit(x, y):  # ridge least squares, with a bias column
        xa = torch.cat([x, torch.ones(len(x), 1)], 1)
        w = torch.linalg.solve(xa.T @ xa + 1e-2 * torch.eye(xa.shape[1]), xa.T @ y)
        return w[:-1].T, w[-1]

    wk, bk = fit(enc, features(enc_pos))
    wq, bq = fit(dec, features(dec_pos - STOP_OFFSET))
    wv, bv = fit(enc, enc_end[:, None])
    head = d_model // spec["heads"]
    scale = STOP_SHARPNESS * math.sqrt(head) / len(freq)  # undo the 1/sqrt(head) of attention
    attention = model.model.decoder.layers[layers - 1].encoder_attn
    eos = model.lm_head.weight[ids["eos_token_id"]]
    with torch.no_grad():
        attention.q_proj.weight[:head] = wq * scale
        attention.q_proj.bias[:head] = bq * scale
        attention.k_proj.weight[:head] = wk
        attention.k_proj.bias[:head] = bk
        attention.v_proj.weight[:head] = 0
        attention.v_proj.bias[:head] = 0
        attention.v_proj.weight[0] = wv[0]
        attention.v_proj.bias[0] = bv[0]
        attention.out_proj.weight[:, :head] = 0
        attention.out_proj.weight[:, 0] = STOP_PUSH * eos / eos.norm()


def _main(argv: list[str]) -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Build a random Marian of a real shape and time one generate.")
    parser.add_argument("shape", choices=sorted(SHAPES))
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--stop", choices=STOPS, default="realistic")
    parser.add_argument("--max-new-tokens", type=int, default=40)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    build_random_marian(args.out_dir, args.shape, stop=args.stop)
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
