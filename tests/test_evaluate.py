"""`nb2en eval`: sacrebleu's own scores, end to end on the tiny model, --compare, bad input.

The parallel sample below is Norwegian written for these tests with English references
written by hand; the tiny model's English is gibberish, so translated runs assert on
structure (line counts, cache, flags, order), never on scores.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import pytest
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF, TER
from typer.testing import CliRunner

from test_imports import heavy, imported_modules
from translate import evaluate
from translate.cli import app

SOURCES = [
    "Regjeringen vil bruke 12,5 milliarder kroner på nye veier neste år.",
    "Statsministeren sa at forslaget blir lagt fram i oktober. Det skjer etter valget.",
    "Det var kaldt i Oslo i går, med minus 15 grader.",
    "– Vi er svært fornøyd med resultatet, sa trener Ståle Solbakken.",
    "Politiet fikk melding om brannen klokken 09.30.",
    "Dato for valget er ikke bestemt ennå.",
    "Les mer på www.nrk.no.",
    "Fylkene i Nord-Norge får mer penger til skoler",
]
REFERENCES = [
    "The government will spend 12.5 billion kroner on new roads next year.",
    "The prime minister said the proposal will be presented in October. That happens after the election.",
    "It was cold in Oslo yesterday, at minus 15 degrees.",
    '"We are very happy with the result," said coach Ståle Solbakken.',
    "The police were notified of the fire at 9.30 am.",
    "The date of the election has not been decided yet.",
    "Read more at www.nrk.no.",
    "The counties of Northern Norway get more money for schools",
]
HYPOTHESES = [
    "The government wants to spend 12.5 billion kroner on new roads next year.",
    "The prime minister said that the proposal will be presented in October. It happens after the election.",
    "It was cold in Oslo yesterday, with minus 15 degrees.",
    "- We are very satisfied with the result, said coach Ståle Solbakken.",
    "Police were notified of the fire at half past nine.",
    "The date for the election is not decided yet.",
    "Read more on www.nrk.no.",
    "Counties in Northern Norway get more money for schools",
]
OTHER_HYPOTHESES = [
    "Government to spend billions on roads.",
    "The prime minister said the proposal comes in October. That happens after the election.",
    "It was cold in Oslo yesterday, at minus 15 degrees.",
    '"We are very happy with the result," said trainer Ståle Solbakken.',
    "Police got a report of the fire at 09.30.",
    "Election date not set.",
    "Read more at www.nrk.no.",
    "Northern Norway's counties receive more school money",
]


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def parallel(tmp_path):
    return write(tmp_path / "src.nb", SOURCES), write(tmp_path / "ref.en", REFERENCES), write(tmp_path / "hyp.en", HYPOTHESES)


def run_cli(*args):
    return CliRunner().invoke(app, ["eval", *map(str, args)])


def eval_json(*args) -> dict:
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_given_hypotheses_score_exactly_as_sacrebleu(parallel):
    src, ref, hyp = parallel
    data = eval_json(src, ref, "--hyp", hyp)
    assert data["bleu"] == BLEU().corpus_score(HYPOTHESES, [REFERENCES]).score
    assert data["chrf"] == CHRF().corpus_score(HYPOTHESES, [REFERENCES]).score
    assert data["chrf++"] == CHRF(word_order=2).corpus_score(HYPOTHESES, [REFERENCES]).score
    assert data["ter"] == TER().corpus_score(HYPOTHESES, [REFERENCES]).score
    assert data["sentences"] == len(SOURCES)
    assert data["model"] is None and data["hypotheses"] == "given" and data["compare"] is None
    bleu = BLEU()
    bleu.corpus_score(HYPOTHESES, [REFERENCES])
    assert data["signature"]["bleu"] == bleu.get_signature().format()
    assert data["signature"]["chrf++"].startswith("nrefs:1|") and "nw:2" in data["signature"]["chrf++"]
    assert f"version:{sacrebleu.__version__}" in data["signature"]["ter"]
    assert set(data["comet"]) >= {"available"}
    if not data["comet"]["available"]:
        assert data["comet"]["reason"]


def test_given_hypotheses_text_report(parallel):
    src, ref, hyp = parallel
    result = run_cli(src, ref, "--hyp", hyp, "--no-comet")
    assert result.exit_code == 0, result.output
    bleu = BLEU().corpus_score(HYPOTHESES, [REFERENCES]).score
    assert f"{bleu:.2f}" in result.stdout
    assert "BLEU" in result.stdout and "chrF++" in result.stdout and "TER" in result.stdout
    assert "COMET: not available (skipped (--no-comet))" in result.stdout
    assert "nrefs:1|case:mixed|eff:no|tok:13a" in result.stdout
    ignored = run_cli(src, ref, "--hyp", hyp, "--no-comet", "--beam-size", "2")
    assert ignored.exit_code == 0 and "--beam-size has no effect with --hyp" in ignored.stderr


def test_given_hypotheses_import_no_model_library(parallel):
    src, ref, hyp = parallel
    done, modules = imported_modules("eval", str(src), str(ref), "--hyp", str(hyp), "--format", "json", "--no-comet")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "translate.evaluate" in modules and "sacrebleu" in modules
    assert heavy(modules) == set()
    assert json.loads(done.stdout)["model"] is None


def test_details_worst_first_with_number_flags(parallel, tmp_path):
    src, ref, hyp = parallel
    details = tmp_path / "details.jsonl"
    eval_json(src, ref, "--hyp", hyp, "--details", details, "--no-comet")
    rows = [json.loads(line) for line in details.read_text(encoding="utf-8").splitlines()]
    assert sorted(row["index"] for row in rows) == list(range(len(SOURCES)))
    chrfs = [row["chrf"] for row in rows]
    assert chrfs == sorted(chrfs)
    for row in rows:
        assert row["source"] == SOURCES[row["index"]] and row["reference"] == REFERENCES[row["index"]]
        assert row["hypothesis"] == HYPOTHESES[row["index"]]
        expected = CHRF().sentence_score(HYPOTHESES[row["index"]], [REFERENCES[row["index"]]]).score
        assert row["chrf"] == pytest.approx(expected, abs=1e-4)
    flagged = {row["index"]: row["flags"] for row in rows}
    assert flagged[4] == ["number-missing:09.30"]  # it became "half past nine"
    assert flagged[0] == [] and flagged[2] == []


def test_translates_each_line_as_one_unit_with_the_tiny_model(parallel, tiny_marian_dir, tmp_path):
    src, ref, _ = parallel
    hyp_out, details = tmp_path / "out.en", tmp_path / "details.jsonl"
    args = (src, ref, "--model", tiny_marian_dir, "--beam-size", "1", "--no-comet")
    data = eval_json(*args, "--hyp-out", hyp_out, "--details", details)
    english = hyp_out.read_text(encoding="utf-8").split("\n")
    assert english[-1] == "" and len(english[:-1]) == len(SOURCES)
    assert data["sentences"] == len(SOURCES)
    assert data["model"]["id"] == str(tiny_marian_dir.resolve()) and data["model"]["beam_size"] == 1
    assert data["hypotheses"] == "translated"
    # Line 2 holds two sentences: both are translated (segmented as the pipeline does) into one line.
    assert data["cache"]["misses"] >= len(SOURCES) + 1 and data["cache"]["hits"] == 0
    assert data["bleu"] == BLEU().corpus_score(english[:-1], [REFERENCES]).score
    rows = {row["index"]: row for row in map(json.loads, details.read_text(encoding="utf-8").splitlines())}
    assert [rows[i]["hypothesis"] for i in range(len(SOURCES))] == english[:-1]
    # A line the article parser would take for a metadata line is still translated.
    assert rows[5]["hypothesis"] != SOURCES[5] and "passthrough" not in rows[5]["flags"]
    # A second run is answered from the cache.
    again = eval_json(*args)
    assert again["cache"] == {"hits": data["cache"]["misses"], "misses": 0}
    assert again["bleu"] == data["bleu"]


def test_translate_lines_in_windows_through_the_cache(tiny_marian_dir, tmp_path):
    from translate.pipeline import Translator
    from translate.settings import Settings

    # Random weights make outputs depend on batch composition, so compare through the cache.
    settings = Settings(model=str(tiny_marian_dir), backend="ctranslate2", device="cpu", beam_size=1, cache_dir=tmp_path / "cache")
    seen = []
    windowed = evaluate.translate_lines(
        "A", SOURCES, Translator(settings), progress=lambda done, total: seen.append((done, total)), window_lines=3
    )
    assert seen == [(3, 8), (6, 8), (8, 8)]
    assert len(windowed.hypotheses) == len(SOURCES) and all("\n" not in line for line in windowed.hypotheses)
    assert windowed.cache["hits"] == 0 and windowed.cache["misses"] >= len(SOURCES)
    whole = evaluate.translate_lines("A", SOURCES, Translator(settings))
    assert whole.hypotheses == windowed.hypotheses and whole.flags == windowed.flags
    assert whole.cache == {"hits": windowed.cache["misses"], "misses": 0}


def test_compare_two_configurations_prints_both_and_a_p_value(parallel, tiny_marian_dir, tmp_path):
    src, ref, _ = parallel
    other_out = tmp_path / "b.en"
    args = (src, ref, "--model", tiny_marian_dir, "--beam-size", "2", "--compare", "--beam-size 1",
            "--bootstrap-samples", "50", "--no-comet")
    result = run_cli(*args, "--compare-hyp-out", other_out)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("A: ") and "beam 2" in line for line in lines)
    assert any(line.startswith("B: --compare '--beam-size 1'") and "beam 1" in line for line in lines)
    assert [line.split()[0] for line in lines if line.startswith(("A ", "B "))] == ["A", "B"]
    assert "paired bootstrap, B vs A (50 resamples" in result.stdout and "p-value BLEU" in result.stdout
    assert len(other_out.read_text(encoding="utf-8").splitlines()) == len(SOURCES)

    data = eval_json(*args)
    compare = data["compare"]
    assert compare["a"]["model"]["beam_size"] == 2 and compare["b"]["model"]["beam_size"] == 1
    assert compare["a"]["bleu"] == data["bleu"]
    test = compare["paired_bootstrap"]
    assert test["samples"] == 50
    for name in ("bleu", "chrf", "chrf++", "ter"):
        assert 0 < test["metrics"][name]["p_value"] <= 1
        assert test["metrics"][name]["b"]["score"] == compare["b"][name]


def test_compare_given_hypotheses_matches_sacrebleu_paired_bootstrap(parallel, tmp_path):
    from sacrebleu.significance import PairedTest

    src, ref, hyp = parallel
    other = write(tmp_path / "other.en", OTHER_HYPOTHESES)
    data = eval_json(src, ref, "--hyp", hyp, "--compare-hyp", other, "--bootstrap-samples", "200", "--no-comet")
    _, expected = PairedTest(
        [("A", HYPOTHESES), ("B", OTHER_HYPOTHESES)], {"BLEU": BLEU(), "chrF": CHRF()}, [REFERENCES],
        test_type="bs", n_samples=200,
    )()
    metrics = data["compare"]["paired_bootstrap"]["metrics"]
    assert metrics["bleu"]["p_value"] == pytest.approx(expected["BLEU"][1].p_value)
    assert metrics["chrf"]["p_value"] == pytest.approx(expected["chrF2"][1].p_value)
    assert data["compare"]["b"]["bleu"] == BLEU().corpus_score(OTHER_HYPOTHESES, [REFERENCES]).score


@pytest.mark.parametrize(
    "case, message",
    [
        ("short-ref", "not line-aligned: SRC has 8, REF has 7"),
        ("short-hyp", "--hyp has 6"),
        ("empty-src", "is empty"),
        ("latin1-ref", "cannot be decoded as utf-8"),
        ("missing-ref", "No such file"),
    ],
)
def test_bad_input_exits_2_before_any_model_load(parallel, tmp_path, case, message):
    src, ref, hyp = parallel
    extra = []
    if case == "short-ref":
        write(ref, REFERENCES[:-1])
    elif case == "short-hyp":
        extra = ["--hyp", write(hyp, HYPOTHESES[:6])]
    elif case == "empty-src":
        src.write_text("\n\n", encoding="utf-8")
    elif case == "latin1-ref":
        ref.write_bytes("\n".join(REFERENCES).replace("Ståle", "St\u00e5le").encode("latin-1"))
    elif case == "missing-ref":
        ref = tmp_path / "nowhere.en"
    # A hub model that is not available offline: reaching it would exit 1, not 2.
    result = run_cli(src, ref, *extra, "--model", "Helsinki-NLP/not-a-real-model")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--compare", "--details out.jsonl"], "options that change the English only"),
        (["--compare", "--beam-size 0"], "--beam-size"),
        (["--compare", "--no-such-option"], "No such option"),
        (["--compare", "'--beam-size"], "cannot be parsed"),
        (["--compare", ""], "needs the translation options"),
        (["--compare", "--beam-size 1", "--compare-hyp", "REF"], "not both"),
        (["--hyp", "REF", "--hyp-out", "x.en"], "nothing is translated"),
        (["--format", "markdown"], "--format"),
        (["--beam-size", "2", "--compare", "--beam-size 2"], "same configuration"),
    ],
)
def test_bad_usage_exits_2(parallel, args, message):
    src, ref, _ = parallel
    args = [str(ref) if arg == "REF" else arg for arg in args]
    result = run_cli(src, ref, "--model", "Helsinki-NLP/not-a-real-model", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


@pytest.mark.skipif(importlib.util.find_spec("comet") is not None, reason="unbabel-comet is installed here")
def test_comet_not_installed_is_a_clear_field():
    report = evaluate.comet_scores(SOURCES, [HYPOTHESES], REFERENCES)
    assert report == {"available": False, "reason": report["reason"]}
    assert "--comet-python" in report["reason"]


def test_comet_checkpoint_lookup_never_downloads(tmp_path):
    checkpoint, why = evaluate.locate_comet_checkpoint("Unbabel/not-a-real-comet-model")
    assert checkpoint is None and "not in the local Hugging Face cache" in why and "--comet-model" in why
    checkpoint, why = evaluate.locate_comet_checkpoint(str(tmp_path))
    assert checkpoint is None and "checkpoints/model.ckpt" in why
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "model.ckpt").write_bytes(b"")
    assert evaluate.locate_comet_checkpoint(str(tmp_path)) == (tmp_path / "checkpoints" / "model.ckpt", "")


def test_line_block_keeps_one_line_as_one_unit():
    block = evaluate.line_block("Dato for valget er ikke bestemt. Det blir i høst.")
    assert [s.source for s in block.sentences] == ["Dato for valget er ikke bestemt.", "Det blir i høst."]
    assert all(s.translate for s in block.sentences)
    quote = evaluate.line_block("– Vi er fornøyd, sa han.")
    assert quote.prefix == "– " and quote.sentences[0].source == "Vi er fornøyd, sa han."


FAKE_COMET = '''
"""A stand-in for unbabel-comet's API (load_from_checkpoint -> model.predict): no tiny real
COMET model can be built offline (it needs xlm-roberta-large)."""
import os
from types import SimpleNamespace


def load_from_checkpoint(path):
    assert os.environ["HF_HUB_OFFLINE"] == "1", "COMET must load with the Hub offline"
    assert path.endswith("model.ckpt")

    def predict(samples, batch_size=16, gpus=1, progress_bar=True):
        assert gpus == 0
        scores = [min(1.0, len(s["mt"]) / max(1, len(s["ref"]))) for s in samples]
        return SimpleNamespace(scores=scores, system_score=sum(scores) / len(scores))

    return SimpleNamespace(predict=predict)
'''


@pytest.fixture
def fake_comet(tmp_path, monkeypatch):
    """A COMET model folder, and a `comet` package that child Pythons find via PYTHONPATH."""
    package = tmp_path / "fake-site" / "comet"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(FAKE_COMET, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(package.parent), os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    checkpoint = tmp_path / "wmt22" / "checkpoints" / "model.ckpt"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"")
    return checkpoint.parent.parent


def test_comet_runs_in_a_separate_python_and_scores_both_systems(parallel, tmp_path, fake_comet):
    src, ref, hyp = parallel
    other = write(tmp_path / "other.en", OTHER_HYPOTHESES)
    result = run_cli(src, ref, "--hyp", hyp, "--compare-hyp", other, "--comet-model", fake_comet,
                     "--comet-python", sys.executable, "--bootstrap-samples", "20", "--device", "cpu",
                     "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["comet"]["available"] is True and data["comet"]["model"] == str(fake_comet)
    assert data["comet"]["score"] == data["compare"]["a"]["comet"]
    assert 0 < data["compare"]["b"]["comet"] <= 1 and data["compare"]["b"]["comet"] != data["compare"]["a"]["comet"]
    assert "HF_HUB_OFFLINE" not in os.environ  # only the child ran offline
    text = run_cli(src, ref, "--hyp", hyp, "--comet-model", fake_comet, "--device", "cpu",
                   "--comet-python", sys.executable)
    assert text.exit_code == 0 and "COMET" in text.stdout.splitlines()[2] and "not available" not in text.stdout


def test_comet_failures_are_a_reason_not_an_error(parallel, tmp_path, fake_comet, monkeypatch):
    src, ref, hyp = parallel
    missing = evaluate.comet_scores(SOURCES, [HYPOTHESES], REFERENCES, str(fake_comet), "cpu", python=str(tmp_path / "no-python"))
    assert missing["available"] is False and "cannot run" in missing["reason"]
    monkeypatch.delenv("PYTHONPATH")
    without = evaluate.comet_scores(SOURCES, [HYPOTHESES], REFERENCES, str(fake_comet), "cpu", python=sys.executable)
    assert without["available"] is False and "No module named 'comet'" in without["reason"]
