"""The CTranslate2 backend with a tiny real Marian model: one conversion per model revision and
weight type, sentencepiece tokenization, order kept through length-sorted batches, ``auto``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from translate.backends import BackendChoice, DecodingSettings, choose_backend, create_backend
from translate.backends import ctranslate2_backend as ct2b
from translate.backends.ctranslate2_backend import CTranslate2Backend, converted_model_dir
from translate.cli import app
from translate.errors import ModelLoadError
from translate.models import resolve_model
from translate.pipeline import Translator
from translate.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "Det melder eksilgruppa Syrian Observatory for Human Rights (SOHR), som henter sine opplysninger.",
    "Hei.",
    "Regjeringen vil bruke 15 000 kroner på dette i 2018.",
    "Ifølge SOHR ble byen tatt etter harde kamper.",
    "Han sier at det er for tidlig å si noe om det nå, men at de følger situasjonen tett.",
]


def ct2_backend(model_dir, cache_dir, compute_type="float32", beam_size=1) -> CTranslate2Backend:
    choice = BackendChoice("ctranslate2", "cpu", compute_type, "test")
    return create_backend(resolve_model(str(model_dir)), choice, DecodingSettings(beam_size=beam_size), cache_dir)


def count_conversions(monkeypatch) -> list[Path]:
    """Record every real conversion (the converter runs behind ``_convert_into``)."""
    calls: list[Path] = []
    original = CTranslate2Backend._convert_into

    def spy(self, target, quantization):
        calls.append(target)
        return original(self, target, quantization)

    monkeypatch.setattr(CTranslate2Backend, "_convert_into", spy)
    return calls


def copy_model(model_dir: Path, tmp_path: Path, name: str = "model") -> Path:
    copy = tmp_path / name
    shutil.copytree(model_dir, copy)
    return copy


def test_conversion_happens_once_and_is_reused(tiny_marian_dir, tmp_path, monkeypatch):
    conversions = count_conversions(monkeypatch)
    settings = Settings(model=str(tiny_marian_dir), backend="ctranslate2", device="cpu", cache_dir=tmp_path)
    first = Translator(settings)
    first.backend.ensure_loaded()
    converted = first.backend.ensure_converted()
    assert (converted / "model.bin").is_file() and converted.parent == tmp_path / "ct2"
    stamp = (converted / "model.bin").stat().st_mtime_ns

    second = Translator(settings)
    second.backend.ensure_loaded()
    assert second.backend.ensure_converted() == converted
    assert len(conversions) == 1, "the second Translator converted again"
    assert (converted / "model.bin").stat().st_mtime_ns == stamp
    assert second.backend.translate_batch(TEXTS[:2])  # and the reused copy translates
    assert not list((tmp_path / "ct2").glob(".converting-*")), "staging folder left behind"


def test_converted_dir_is_keyed_by_model_revision_and_quantization(tiny_marian_dir, tmp_path):
    root = tmp_path / "c"
    base = converted_model_dir(root, "org/model", "rev1", "int8")
    assert base == converted_model_dir(root, "org/model", "rev1", "int8")
    assert base != converted_model_dir(root, "org/model", "rev2", "int8")
    assert base != converted_model_dir(root, "org/model", "rev1", "float32")
    assert base != converted_model_dir(root, "org/other", "rev1", "int8")
    assert ct2b.conversion_quantization("int8_float16") == "int8"  # CUDA shares the int8 copy
    assert ct2b.conversion_quantization("float16") == "float16"

    # Real conversions: another weight type and another revision of the files each get their own copy.
    model = copy_model(tiny_marian_dir, tmp_path)
    int8 = ct2_backend(model, root, "int8").ensure_converted()
    fp32 = ct2_backend(model, root, "float32").ensure_converted()
    config = json.loads((model / "generation_config.json").read_text())
    (model / "generation_config.json").write_text(json.dumps({**config, "num_beams": 2}))
    changed = ct2_backend(model, root, "int8").ensure_converted()
    assert len({int8, fp32, changed}) == 3
    assert int8.name.endswith("-int8") and fp32.name.endswith("-float32")
    assert all((path / "model.bin").is_file() for path in (int8, fp32, changed))


def test_concurrent_conversions_convert_once(tiny_marian_dir, tmp_path, monkeypatch):
    conversions = count_conversions(monkeypatch)
    backends = [ct2_backend(tiny_marian_dir, tmp_path, "int8") for _ in range(2)]
    results: list[Path] = []
    threads = [threading.Thread(target=lambda b=b: results.append(b.ensure_converted())) for b in backends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]
    assert len(conversions) == 1


def test_incomplete_leftover_is_replaced(tiny_marian_dir, tmp_path):
    backend = ct2_backend(tiny_marian_dir, tmp_path, "int8")
    target = converted_model_dir(tmp_path, backend.model.id, backend.model.revision, "int8")
    target.mkdir(parents=True)
    (target / "config.json").write_text("{half written")
    assert backend.ensure_converted() == target
    assert (target / "model.bin").is_file()


def test_tokenizes_with_sentencepiece_and_appends_eos(tiny_marian_dir, tmp_path):
    import sentencepiece

    backend = ct2_backend(tiny_marian_dir, tmp_path)
    backend.ensure_loaded()
    source_sp = sentencepiece.SentencePieceProcessor(model_file=str(Path(tiny_marian_dir) / "source.spm"))
    seen: list[list[str]] = []
    translate_batch = backend.translator.translate_batch

    class Spy:
        def translate_batch(self, batch, **options):
            seen.extend(batch)
            return translate_batch(batch, **options)

    backend.translator = Spy()
    backend.translate_batch(TEXTS)
    expected = [source_sp.encode(text, out_type=str) + ["</s>"] for text in TEXTS]
    assert sorted(seen) == sorted(expected)
    assert backend.count_tokens(TEXTS) == [len(pieces) for pieces in expected]


def test_detokenizes_like_marian_tokenizer(tiny_marian_dir, tmp_path):
    backend = ct2_backend(tiny_marian_dir, tmp_path)
    backend.ensure_loaded()
    # "▁T" may be a source-only piece of the joint vocabulary: its ▁ must become a space.
    text, tokens = backend._detokenize(["▁The", "▁T", "<unk>", "▁T", "."])
    assert "\u2581" not in text and "<unk>" not in text
    assert text.split() == ["The", "T", "T."]
    assert tokens == 5


def test_output_order_is_kept_through_length_sorted_batches(tiny_marian_dir, tmp_path):
    backend = ct2_backend(tiny_marian_dir, tmp_path)
    backend.max_batch_tokens = 40  # force several batches
    batches: list[list[str]] = []
    generate = CTranslate2Backend._generate

    def spy(texts, max_new_tokens, caps=None):
        batches.append(list(texts))
        return generate(backend, texts, max_new_tokens, caps)

    backend._generate = spy
    forward = backend.translate_batch(TEXTS)
    lengths = dict(zip(TEXTS, backend.count_tokens(TEXTS)))
    assert len(batches) > 1
    flat = [text for batch in batches for text in batch]
    assert sorted(flat) == sorted(TEXTS)
    assert [lengths[t] for t in flat] == sorted(lengths.values(), reverse=True)  # longest first

    backward = backend.translate_batch(TEXTS[::-1])
    assert backward == forward[::-1]
    alone = [backend.translate_batch([text])[0] for text in TEXTS]
    assert alone == forward
    assert len(set(forward)) > 1  # the check means something: outputs differ per input


def test_threads_follow_usable_cpus(tiny_marian_dir, tmp_path):
    backend = ct2_backend(tiny_marian_dir, tmp_path)
    backend.ensure_loaded()
    assert backend.translator.device == "cpu"
    assert 1 <= ct2b.usable_cpu_count() <= (os.cpu_count() or 1)
    assert backend.intra_threads == ct2b.default_threads()  # intra_threads of one replica


def test_threads_option_reaches_the_backend_and_changes_no_output(tiny_marian_dir, tmp_path, sample_article, monkeypatch):
    """--threads and NB2EN_THREADS set the model's CPU threads; the JSON (and cache key) stay the same."""
    from translate.pipeline import Translator
    from translate.settings import Settings

    with Translator(Settings(model=str(tiny_marian_dir), threads=1, use_cache=False)) as translator:
        translator.backend.ensure_loaded()
        assert translator.backend.intra_threads == 1
    assert os.environ.get("OMP_WAIT_POLICY")  # PASSIVE unless the user chose (idle threads sleep)
    outputs = []
    for args, env in (([], {}), (["--threads", "1"], {}), ([], {"NB2EN_THREADS": "2"})):
        result = CliRunner().invoke(
            app,
            ["translate", str(sample_article), "--model", str(tiny_marian_dir), "--beam-size", "1", "-f", "json",
             "--cache-dir", str(tmp_path / "cache"), *args],
            env=env,
        )
        assert result.exit_code == 0, result.output
        outputs.append([block["target"] for block in json.loads(result.stdout)["blocks"]])
    assert outputs[0] == outputs[1] == outputs[2]
    bad = CliRunner().invoke(app, ["translate", str(sample_article), "--model", str(tiny_marian_dir)], env={"NB2EN_THREADS": "0"})
    assert bad.exit_code == 2


def test_backend_auto_picks_ctranslate2(tiny_marian_dir, sample_article):
    choice = choose_backend("auto", "cpu", resolve_model(str(tiny_marian_dir)))
    assert (choice.backend, choice.compute_type) == ("ctranslate2", "int8")
    assert "ctranslate2" in choice.reason

    result = CliRunner().invoke(
        app, ["translate", str(sample_article), "--model", str(tiny_marian_dir), "--beam-size", "1", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    model = json.loads(result.stdout)["model"]
    assert (model["backend"], model["compute_type"], model["device"]) == ("ctranslate2", "int8", "cpu")


def test_backend_auto_falls_back_to_transformers_without_spm(tiny_marian_dir, tmp_path):
    model = copy_model(tiny_marian_dir, tmp_path)
    (model / "source.spm").unlink()
    choice = choose_backend("auto", "cpu", resolve_model(str(model)))
    assert choice.backend == "transformers"
    assert "source.spm" in choice.reason


def test_model_without_spm_is_a_clear_error(tiny_marian_dir, tmp_path, sample_article):
    model = copy_model(tiny_marian_dir, tmp_path)
    (model / "source.spm").unlink()
    result = CliRunner().invoke(
        app, ["translate", str(sample_article), "--model", str(model), "--backend", "ctranslate2"]
    )
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in result.output
    assert "source.spm" in message and "--backend transformers" in message


def test_failed_conversion_is_a_clear_one_line_error(tiny_marian_dir, tmp_path, sample_article):
    model = copy_model(tiny_marian_dir, tmp_path)
    (model / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelLoadError, match="Could not convert .* Use --backend transformers"):
        ct2_backend(model, tmp_path / "c").ensure_converted()
    assert not list((tmp_path / "c" / "ct2").glob("*/model.bin"))

    result = CliRunner().invoke(
        app, ["translate", str(sample_article), "--model", str(model), "--backend", "ctranslate2"]
    )
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and message.startswith("nb2en: Could not convert")


def test_converted_run_imports_neither_torch_nor_transformers(tiny_marian_dir, tmp_path):
    ct2_backend(tiny_marian_dir, tmp_path, "int8").ensure_converted()
    script = f"""
import sys
from translate.backends import BackendChoice, DecodingSettings, create_backend
from translate.models import resolve_model
backend = create_backend(resolve_model({str(tiny_marian_dir)!r}), BackendChoice("ctranslate2", "cpu", "int8", ""),
                         DecodingSettings(beam_size=2), {str(tmp_path)!r})
out = backend.translate_batch({TEXTS[:3]!r})
assert len(out) == 3 and all(isinstance(t, str) for t in out)
heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
print("HEAVY:" + ",".join(heavy))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "HEAVY:\n" in done.stdout, done.stdout
