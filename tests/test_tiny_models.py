"""The tiny test models load through the classes users run, generate, and convert to CT2."""

from __future__ import annotations

import json

import pytest

from tiny_models import build_tiny_marian, norwegian_lines

MODEL_FILES = {"config.json", "generation_config.json", "model.safetensors"}
SENTENCES = ["Dette er en test.", "Hei verden.", "15 sivile, blant dem sju barn, er drept i Albu Kamal."]


def test_marian_directory_matches_hub_layout(tiny_marian_dir):
    names = {p.name for p in tiny_marian_dir.iterdir()}
    assert MODEL_FILES | {"source.spm", "target.spm", "vocab.json", "tokenizer_config.json"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pth")) for n in names)
    config = json.loads((tiny_marian_dir / "config.json").read_text())
    vocab = json.loads((tiny_marian_dir / "vocab.json").read_text(encoding="utf-8"))
    assert config["vocab_size"] == len(vocab)
    assert config["pad_token_id"] == vocab["<pad>"] == len(vocab) - 1
    assert config["decoder_start_token_id"] == vocab["<pad>"]
    assert config["eos_token_id"] == vocab["</s>"] != 0  # mid-vocabulary, as in opus-mt-tc-big
    assert config["max_position_embeddings"] == 512


def test_marian_loads_and_generates_deterministically(tiny_marian_dir):
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    tok = MarianTokenizer.from_pretrained(tiny_marian_dir)
    model = MarianMTModel.from_pretrained(tiny_marian_dir).eval()
    assert tok.model_max_length == 512
    assert tok.eos_token_id == model.config.eos_token_id
    assert tok.pad_token_id == model.config.pad_token_id == model.config.decoder_start_token_id
    assert tok.unk_token_id not in tok(SENTENCES[0]).input_ids

    batch = tok(SENTENCES, return_tensors="pt", padding=True)
    with torch.no_grad():
        first = model.generate(**batch, max_new_tokens=20, num_beams=1)
        again = model.generate(**batch, max_new_tokens=20, num_beams=1)
        beams = model.generate(**batch, max_new_tokens=20)  # generation_config: 4 beams
    assert torch.equal(first, again)
    assert first.shape[0] == beams.shape[0] == len(SENTENCES)
    assert first.shape[1] <= 21
    texts = tok.batch_decode(first, skip_special_tokens=True)
    assert all(isinstance(t, str) for t in texts)


def test_marian_output_depends_on_input(tiny_marian_dir):
    from transformers import MarianMTModel, MarianTokenizer

    tok = MarianTokenizer.from_pretrained(tiny_marian_dir)
    model = MarianMTModel.from_pretrained(tiny_marian_dir).eval()
    sentences = norwegian_lines()[:8]
    out = model.generate(**tok(sentences, return_tensors="pt", padding=True), max_new_tokens=20, num_beams=1)
    assert len(set(tok.batch_decode(out, skip_special_tokens=True))) > 1


def test_marian_converts_to_ctranslate2_int8(tiny_marian_dir, tmp_path):
    import ctranslate2
    import sentencepiece as spm

    out = tmp_path / "ct2"
    ctranslate2.converters.TransformersConverter(str(tiny_marian_dir)).convert(str(out), quantization="int8")
    source = spm.SentencePieceProcessor(model_file=str(tiny_marian_dir / "source.spm"))
    target = spm.SentencePieceProcessor(model_file=str(tiny_marian_dir / "target.spm"))
    translator = ctranslate2.Translator(str(out), device="cpu", compute_type="int8")
    batch = [source.encode(s, out_type=str) + ["</s>"] for s in SENTENCES]
    first = translator.translate_batch(batch, beam_size=2, max_decoding_length=20)
    again = translator.translate_batch(batch, beam_size=2, max_decoding_length=20)
    hyps = [r.hypotheses[0] for r in first]
    assert hyps == [r.hypotheses[0] for r in again]
    assert len(hyps) == len(SENTENCES)
    assert all(0 < len(h) <= 20 and "<pad>" not in h for h in hyps)
    assert all(isinstance(target.decode(h), str) for h in hyps)


def test_marian_eos_bias_makes_a_model_that_stops_at_once(tmp_path):
    from transformers import MarianMTModel, MarianTokenizer

    path = build_tiny_marian(tmp_path / "m", eos_bias=10.0)
    tok = MarianTokenizer.from_pretrained(path)
    model = MarianMTModel.from_pretrained(path)
    out = model.generate(**tok(SENTENCES, return_tensors="pt", padding=True), max_new_tokens=20)
    assert tok.batch_decode(out, skip_special_tokens=True) == ["", "", ""]


def test_marian_build_is_byte_identical(tiny_marian_dir, tmp_path):
    again = build_tiny_marian(tmp_path / "again")
    for name in ["model.safetensors", "vocab.json", "source.spm", "target.spm", "config.json"]:
        assert (again / name).read_bytes() == (tiny_marian_dir / name).read_bytes(), name


def test_t5_loads_and_generates(tiny_t5_dir):
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    names = {p.name for p in tiny_t5_dir.iterdir()}
    assert MODEL_FILES | {"spiece.model", "tokenizer.json", "tokenizer_config.json"} <= names
    tok = AutoTokenizer.from_pretrained(tiny_t5_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_t5_dir).eval()
    assert type(model).__name__ == "T5ForConditionalGeneration"
    assert tok.model_max_length == 512
    assert (tok.pad_token_id, tok.eos_token_id) == (model.config.pad_token_id, model.config.eos_token_id) == (0, 1)
    assert len(tok) <= model.config.vocab_size

    batch = tok(["summarize: The minister resigned on Wednesday.", "summarize: Oil prices rose."],
                return_tensors="pt", padding=True)
    with torch.no_grad():
        first = model.generate(**batch, max_new_tokens=16)
        again = model.generate(**batch, max_new_tokens=16)
    assert torch.equal(first, again)
    assert all(tok.batch_decode(first, skip_special_tokens=True))


def test_causal_lm_chat_template_and_generate(tiny_causal_lm_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    assert (tiny_causal_lm_dir / "chat_template.jinja").is_file()
    tok = AutoTokenizer.from_pretrained(tiny_causal_lm_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_causal_lm_dir).eval()
    assert model.config.max_position_embeddings == tok.model_max_length == 512
    messages = [{"role": "user", "content": "Summarize: Oil prices rose sharply on Monday."}]

    prompt = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert prompt.startswith("<|im_start|>user\n") and prompt.endswith("<|im_start|>assistant\n")

    # transformers 5: with return_tensors the result is a BatchEncoding, not a bare tensor.
    enc = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
    input_ids = enc["input_ids"]
    with torch.no_grad():
        first = model.generate(input_ids, attention_mask=enc["attention_mask"], max_new_tokens=12)
        again = model.generate(input_ids, attention_mask=enc["attention_mask"], max_new_tokens=12)
    assert torch.equal(first, again)
    assert first.shape[1] > input_ids.shape[1]
    assert isinstance(tok.decode(first[0, input_ids.shape[1]:], skip_special_tokens=True), str)


@pytest.mark.parametrize("fixture", ["tiny_marian_dir", "tiny_t5_dir", "tiny_causal_lm_dir"])
def test_fixtures_are_session_scoped_and_offline(fixture, request):
    import os

    assert request.getfixturevalue(fixture) == request.getfixturevalue(fixture)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert "nb2en-cache" in os.environ["NB2EN_CACHE_DIR"]
