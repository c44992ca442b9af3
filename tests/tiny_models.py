"""Tiny *real* models for the offline test suite.

Each ``build_*`` function writes a complete model directory (weights as safetensors,
config, generation config, tokenizer files) that loads offline through exactly the
classes users run for hub models:

* ``build_tiny_marian``   -> ``MarianTokenizer`` / ``MarianMTModel`` (and CTranslate2's
  ``TransformersConverter``), laid out like a Helsinki-NLP opus-mt repository.
* ``build_tiny_t5``       -> ``AutoTokenizer`` / ``AutoModelForSeq2SeqLM`` (``T5Tokenizer``,
  ``T5ForConditionalGeneration``), laid out like google/flan-t5-*.
* ``build_tiny_causal_lm`` -> ``AutoTokenizer`` / ``AutoModelForCausalLM`` (``Qwen2Tokenizer``
  with a ChatML ``chat_template``, ``Qwen2ForCausalLM``), laid out like a Qwen2 instruct repo.

Weights are random but seeded, so a given build is deterministic: the same input gives the
same (gibberish) output in every run. Tokenizers are trained on text kept in the repository
(``seeds/`` and ``tests/data/``), quietly and single-threaded so they are reproducible too.

Plain functions, no pytest import: ``bench/shapes.py`` reuses the sentencepiece and Marian
helpers to build real-shape random models.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Iterable

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
DATA_DIR = TESTS_DIR / "data"
SEED_ARTICLE = REPO_ROOT / "seeds" / "ntb-2017-11-albu-kamal.txt"

# Marian/opus-mt special tokens. In vocab.json "<pad>" is always the LAST id and doubles
# as the decoder start token (CTranslate2's Marian converter relies on it being last);
# where "</s>" and "<unk>" sit depends on the model generation, see write_marian_tokenizer.
MARIAN_EOS = "</s>"
MARIAN_UNK = "<unk>"
MARIAN_PAD = "<pad>"

CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


# --------------------------------------------------------------------------- text


def _read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def norwegian_lines() -> list[str]:
    """Norwegian Bokmål training text: the seed article plus UD Norwegian-Bokmaal sentences."""
    return _read_lines(SEED_ARTICLE) + _read_lines(DATA_DIR / "nob-ud-dev.txt")


def english_lines() -> list[str]:
    """English news-like training text (written for this project)."""
    return _read_lines(DATA_DIR / "eng-news.txt")


# ------------------------------------------------------------------ sentencepiece


def train_sentencepiece(
    lines: Iterable[str],
    out_path: Path,
    *,
    vocab_size: int,
    model_type: str = "unigram",
    unk_id: int = 0,
    bos_id: int = 1,
    eos_id: int = 2,
    pad_id: int = -1,
) -> Path:
    """Train a sentencepiece model on ``lines`` and write it to ``out_path``.

    Quiet (log to devnull) and deterministic (one thread, no sampling of the input).
    ``hard_vocab_limit=False`` lets a too-small corpus give fewer pieces instead of failing.
    """
    import sentencepiece as spm

    buf = io.BytesIO()
    with open(os.devnull, "w") as devnull:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(list(lines)),
            model_writer=buf,
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=1.0,
            unk_id=unk_id,
            bos_id=bos_id,
            eos_id=eos_id,
            pad_id=pad_id,
            hard_vocab_limit=False,
            num_threads=1,
            input_sentence_size=0,
            shuffle_input_sentence=False,
            logstream=devnull,
        )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(buf.getvalue())
    return out_path


def _spm_pieces(spm_path: Path) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(spm_path))
    return [
        sp.id_to_piece(i)
        for i in range(sp.get_piece_size())
        if not (sp.is_control(i) or sp.is_unknown(i))
    ]


# ------------------------------------------------------------------------ Marian


def write_marian_tokenizer(
    out_dir: Path,
    *,
    source_vocab_size: int,
    target_vocab_size: int,
    total_vocab_size: int | None = None,
    layout: str = "tc",
    model_max_length: int = 512,
) -> dict[str, int]:
    """Write ``source.spm``, ``target.spm``, ``vocab.json`` and ``tokenizer_config.json``.

    ``vocab.json`` is one joint vocabulary (``separate_vocabs: false``, as in opus-mt):
    the source model's pieces, then the target-only pieces, then, if ``total_vocab_size``
    is given, dummy tokens ``<dummy_N>`` (never produced by the tokenizer) up to that size,
    and ``<pad>`` always last (it doubles as decoder start; CTranslate2's Marian converter
    expects it last and drops it).

    ``layout`` places ``</s>`` and ``<unk>``:

    * ``"tc"`` (default): in the middle of the vocabulary, like the opus-mt-tc-* models
      (opus-mt-tc-big-gmq-en has ``eos_token_id`` 41977 of 54765). Code that assumes
      ``</s>`` is 0 breaks on this layout, as it would on the default model.
    * ``"classic"``: ``</s>``=0, ``<unk>``=1, like the older opus-mt-* models
      (opus-mt-gmq-en, opus-mt-en-de).

    Returns the token ids and ``vocab_size``.
    """
    from transformers import MarianTokenizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    src = train_sentencepiece(norwegian_lines(), out_dir / "source.spm", vocab_size=source_vocab_size)
    tgt = train_sentencepiece(english_lines(), out_dir / "target.spm", vocab_size=target_vocab_size)

    tokens: list[str] = list(dict.fromkeys(_spm_pieces(src) + _spm_pieces(tgt)))
    if total_vocab_size is not None:
        n_dummy = total_vocab_size - len(tokens) - 3
        if n_dummy < 0:
            raise ValueError(f"total_vocab_size {total_vocab_size} is below the {len(tokens) + 3} real tokens")
        tokens += [f"<dummy_{i}>" for i in range(n_dummy)]
    if layout == "classic":
        tokens = [MARIAN_EOS, MARIAN_UNK] + tokens
    elif layout == "tc":
        tokens.insert(len(tokens) * 3 // 4, MARIAN_EOS)
        tokens.insert(len(tokens) // 2, MARIAN_UNK)
    else:
        raise ValueError(f"unknown layout {layout!r}: use 'tc' or 'classic'")
    tokens.append(MARIAN_PAD)
    vocab = {token: i for i, token in enumerate(tokens)}
    (out_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0), encoding="utf-8")

    tok = MarianTokenizer(
        source_spm=str(src),
        target_spm=str(tgt),
        vocab=str(out_dir / "vocab.json"),
        source_lang="nob",
        target_lang="eng",
        model_max_length=model_max_length,
    )
    tok.save_pretrained(str(out_dir))
    return {
        "vocab_size": len(vocab),
        "eos_token_id": vocab[MARIAN_EOS],
        "unk_token_id": vocab[MARIAN_UNK],
        "pad_token_id": vocab[MARIAN_PAD],
        "decoder_start_token_id": vocab[MARIAN_PAD],
    }


def write_random_marian(
    out_dir: Path,
    ids: dict[str, int],
    *,
    d_model: int,
    layers: int,
    heads: int,
    ffn: int,
    max_positions: int,
    seed: int = 0,
    init_std: float = 0.02,
    eos_bias: float = 0.0,
    num_beams: int = 4,
    dtype: str = "float32",
) -> None:
    """Save a randomly initialised (seeded) ``MarianMTModel`` next to its tokenizer files.

    Config mirrors the opus-mt-tc models: static sinusoidal positions, scaled embeddings,
    shared and tied embeddings, relu; generation config as in the hub repositories
    (``<pad>`` banned, ``max_length=512``, beams).

    ``init_std`` is the std of the random weights. ``eos_bias`` is added to the ``</s>``
    logit through ``final_logits_bias`` (CTranslate2 converts it as the output projection's
    bias): strongly negative means the model never stops by itself, strongly positive
    means it stops at once (empty output). ``dtype`` is the dtype the weights are saved in
    (and recorded as ``config.dtype``, which transformers 5 loads by default).
    """
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    config = MarianConfig(
        vocab_size=ids["vocab_size"],
        decoder_vocab_size=ids["vocab_size"],
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions,
        activation_function="relu",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=ids["pad_token_id"],
        eos_token_id=ids["eos_token_id"],
        forced_eos_token_id=ids["eos_token_id"],
        decoder_start_token_id=ids["decoder_start_token_id"],
        bos_token_id=None,
        init_std=init_std,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    if eos_bias:
        with torch.no_grad():
            model.final_logits_bias[0, ids["eos_token_id"]] = eos_bias
    model = model.to(getattr(torch, dtype))
    model.generation_config = GenerationConfig(
        bad_words_ids=[[ids["pad_token_id"]]],
        decoder_start_token_id=ids["decoder_start_token_id"],
        eos_token_id=ids["eos_token_id"],
        forced_eos_token_id=ids["eos_token_id"],
        pad_token_id=ids["pad_token_id"],
        max_length=512,
        num_beams=num_beams,
    )
    model.save_pretrained(str(out_dir), safe_serialization=True)


def build_tiny_marian(
    out_dir: Path,
    *,
    max_positions: int = 512,
    init_std: float = 0.2,
    eos_bias: float = 0.0,
    layout: str = "tc",
    dtype: str = "float32",
    seed: int = 0,
) -> Path:
    """Tiny Norwegian->English Marian: d_model 32, 2+2 layers, 2 heads, FFN 64.

    Vocab: source.spm (Norwegian, 400 pieces) + target.spm (English, 300 pieces) in one
    joint vocab.json; ``<pad>`` is the last id (pad and decoder start) and, with the default
    ``layout="tc"``, ``</s>`` and ``<unk>`` sit mid-vocabulary as in the default
    opus-mt-tc-big-gmq-en (see ``write_marian_tokenizer``; ``layout="classic"`` gives
    ``</s>``=0, ``<unk>``=1). Read the ids from the config/tokenizer, never assume them.
    ``dtype="float16"`` saves half-precision weights like the hub's opus-mt-tc-big models,
    which transformers 5 then loads as float16 unless the caller passes ``dtype=``.

    Behaviour of the random weights (deterministic for a given seed): with the default
    ``init_std=0.2`` outputs differ between inputs (at Marian's usual 0.02 nearly every
    input gives the same output) but the model never emits ``</s>`` by itself, so every
    output runs to the length cap and repeats tokens. ``eos_bias=10`` gives a model that
    stops at once (empty output for every input).
    """
    out_dir = Path(out_dir)
    ids = write_marian_tokenizer(
        out_dir,
        source_vocab_size=400,
        target_vocab_size=300,
        layout=layout,
        model_max_length=max_positions,
    )
    write_random_marian(
        out_dir,
        ids,
        d_model=32,
        layers=2,
        heads=2,
        ffn=64,
        max_positions=max_positions,
        seed=seed,
        init_std=init_std,
        eos_bias=eos_bias,
        dtype=dtype,
    )
    return out_dir


# ---------------------------------------------------------------------------- T5


def _drop_config_keys(path: Path, *keys: str) -> None:
    """Remove loader bookkeeping that ``from_pretrained`` leaks into a saved config."""
    config = json.loads(path.read_text(encoding="utf-8"))
    for key in keys:
        config.pop(key, None)
    path.write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")



def build_tiny_t5(
    out_dir: Path, *, model_max_length: int = 512, initializer_factor: float = 10.0, seed: int = 0
) -> Path:
    """Tiny flan-t5-like model: ``spiece.model`` (400 pieces, mostly English) + 100 sentinels.

    Token ids as in T5: ``<pad>``=0 (= decoder start), ``</s>``=1, ``<unk>``=2.
    The input limit is the tokenizer's ``model_max_length`` (T5 has relative positions and
    no position limit in its config; ``n_positions`` is written for information only).
    ``initializer_factor`` is raised from T5's 1.0 because at 1.0 the random model only
    ever generates ``<pad>`` (an empty summary); at 10 its output is non-empty and
    depends on the input.
    """
    import torch
    from transformers import GenerationConfig, T5Config, T5ForConditionalGeneration, T5Tokenizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_sentencepiece(
        english_lines() + norwegian_lines()[:200],
        out_dir / "spiece.model",
        vocab_size=400,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
    )
    # T5Tokenizer (transformers 5) is tokenizers-backed: from_pretrained converts spiece.model,
    # save_pretrained writes tokenizer.json; spiece.model stays, as in the hub repositories.
    tok = T5Tokenizer.from_pretrained(str(out_dir), model_max_length=model_max_length, extra_ids=100)
    tok.save_pretrained(str(out_dir))
    _drop_config_keys(out_dir / "tokenizer_config.json", "is_local", "local_files_only")

    vocab_size = len(tok)
    vocab_size += -vocab_size % 8
    config = T5Config(
        vocab_size=vocab_size,
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        relative_attention_max_distance=32,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.pad_token_id,
        n_positions=model_max_length,
        initializer_factor=initializer_factor,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        decoder_start_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    model.save_pretrained(str(out_dir), safe_serialization=True)
    return out_dir


# --------------------------------------------------------------------- causal LM


def build_tiny_causal_lm(
    out_dir: Path, *, max_positions: int = 512, initializer_range: float = 0.2, seed: int = 0
) -> Path:
    """Tiny Qwen2-style chat model: byte-level BPE (500 tokens) with ChatML specials.

    ``<|endoftext|>``=0 (pad), ``<|im_start|>``=1, ``<|im_end|>``=2 (eos of a turn); the
    generation config stops on both ``<|im_end|>`` and ``<|endoftext|>``.
    ``initializer_range`` is raised from Qwen2's 0.02, at which the random model only
    generates newlines whatever the prompt. Byte-level output of random weights can
    decode to U+FFFD where a multi-byte character is cut.
    """
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM, Qwen2Tokenizer
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

    bpe = Tokenizer(models.BPE())
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=500,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(english_lines() + norwegian_lines(), trainer=trainer)
    spec = json.loads(bpe.to_str())
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in spec["model"]["merges"]]

    tok = Qwen2Tokenizer(
        vocab=spec["model"]["vocab"],
        merges=merges,
        unk_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        model_max_length=max_positions,
    )
    tok.add_special_tokens({"additional_special_tokens": specials[1:]})
    tok.chat_template = CHATML_TEMPLATE
    tok.save_pretrained(str(out_dir))

    endoftext, im_end = tok.convert_tokens_to_ids(["<|endoftext|>", "<|im_end|>"])
    vocab_size = len(tok)
    vocab_size += -vocab_size % 8
    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        bos_token_id=endoftext,
        eos_token_id=im_end,
        pad_token_id=endoftext,
        initializer_range=initializer_range,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=endoftext,
        eos_token_id=[im_end, endoftext],
        pad_token_id=endoftext,
        do_sample=False,
    )
    model.save_pretrained(str(out_dir), safe_serialization=True)
    return out_dir
