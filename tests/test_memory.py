"""The translation memory (issue 25): import/export/stats, lookup before the cache on every
door, origins in the JSON, near misses, XLIFF out and back, and the batch rerun."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from translate.cli import app
from translate.memory import Memory, normalize
from translate.memory_io import XLIFF12_NS

ARTICLE = (
    "Regjeringen la fram statsbudsjettet i dag.\n\n"
    "Finansministeren sa at budsjettet var stramt. Det kostet 13 millioner kroner.\n\n"
    "Opposisjonen var kritisk til forslaget.\n\n"
    "The company said in a statement that it was very pleased with the result.\n\n"
    "(©NTB)\n"
)
X = {"x": XLIFF12_NS}


def run_cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def entries(memory_dir=None) -> dict[str, str]:
    with Memory(memory_dir, create=False) as memory:
        return {entry.source: entry.target for entry in memory.entries()}


def translate_json(path, model_dir, *extra) -> dict:
    result = run_cli("translate", path, "--model", model_dir, "--beam-size", "1", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def sentences(data: dict) -> list[dict]:
    return [s for block in data["blocks"] for s in block["sentences"]]


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "sak.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- import


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header creationtool="test" creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en"
          srclang="nb-NO" datatype="plaintext"/>
  <body>
    <tu>
      <tuv xml:lang="nb-NO"><seg>Statsministeren  besøkte <bpt i="1">&lt;b&gt;</bpt>Tromsø<ept i="1">&lt;/b&gt;</ept> i går.</seg></tuv>
      <tuv xml:lang="en-GB"><seg>The Prime Minister visited <bpt i="1">&lt;b&gt;</bpt>Tromsø<ept i="1">&lt;/b&gt;</ept> yesterday.</seg></tuv>
    </tu>
    <tu>
      <tuv xml:lang="nb"><seg>Ærlig talt, sa <hi type="name">Åse</hi> Ødegård.<ph x="1">&lt;br/&gt;</ph></seg></tuv>
      <tuv xml:lang="en"><seg>Frankly, said <hi type="name">Åse</hi> Ødegård.<ph x="1">&lt;br/&gt;</ph></seg></tuv>
    </tu>
    <tu>
      <tuv xml:lang="nb"><seg>Bare norsk her.</seg></tuv>
      <tuv xml:lang="de"><seg>Nur Norwegisch hier.</seg></tuv>
    </tu>
  </body>
</tmx>
"""

XLIFF12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="a.txt" source-language="nb" target-language="en" datatype="plaintext">
    <body>
      <group id="b1">
        <trans-unit id="1"><source>Bøndene i <g id="1">Østfold</g> fikk regn.</source>
          <target state="final">The farmers in <g id="1">Østfold</g> got rain.</target></trans-unit>
        <trans-unit id="2"><source>Været<x id="2"/> var fint.</source>
          <target state="translated">The weather<x id="2"/> was fine.</target></trans-unit>
        <trans-unit id="3"><source>Dette er et utkast.</source>
          <target state="needs-review-translation">This is a draft.</target></trans-unit>
        <trans-unit id="4" approved="yes"><source>Godkjent uten status.</source>
          <target>Approved without a state.</target></trans-unit>
        <trans-unit id="5"><source>Uten mål.</source></trans-unit>
      </group>
    </body>
  </file>
</xliff>
"""

XLIFF2 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.1" srcLang="nb" trgLang="en">
  <file id="f1">
    <unit id="u1">
      <segment state="final"><source>Høsten kom til <pc id="1">Ålesund</pc>.</source>
        <target>Autumn came to <pc id="1">Ålesund</pc>.</target></segment>
      <segment state="reviewed"><source>Prisen<ph id="2"/> steg med 5 prosent<cp hex="00A0"/>i år.</source>
        <target>The price<ph id="2"/> rose by 5 percent<cp hex="00A0"/>this year.</target></segment>
    </unit>
    <unit id="u2">
      <segment state="initial"><source>Ikke ferdig.</source><target>Not done.</target></segment>
      <segment><source>Ingen status.</source><target>No state.</target></segment>
    </unit>
  </file>
</xliff>
"""

TSV = "Kongen åpnet Stortinget.\tThe King opened the Storting.\n\nÅtte av ti ble med.\tEight out of ten joined.\n"


def test_import_tmx_with_inline_tags_and_norwegian_letters(tmp_path):
    path = tmp_path / "memory.tmx"
    path.write_text(TMX, encoding="utf-8")
    result = run_cli("memory", "import", path)
    assert result.exit_code == 0, result.output
    assert "added 2, updated 0, unchanged 0" in result.stdout
    assert entries() == {
        "Statsministeren besøkte Tromsø i går.": "The Prime Minister visited Tromsø yesterday.",
        "Ærlig talt, sa Åse Ødegård.": "Frankly, said Åse Ødegård.",
    }
    again = run_cli("memory", "import", path)
    assert "added 0, updated 0, unchanged 2" in again.stdout


def test_import_xliff12_takes_only_done_targets(tmp_path):
    path = tmp_path / "job.xlf"
    path.write_text(XLIFF12, encoding="utf-8")
    result = run_cli("memory", "import", path)
    assert result.exit_code == 0, result.output
    assert "added 3, updated 0, unchanged 0" in result.stdout
    assert entries() == {
        "Bøndene i Østfold fikk regn.": "The farmers in Østfold got rain.",
        "Været var fint.": "The weather was fine.",
        "Godkjent uten status.": "Approved without a state.",
    }


def test_import_xliff2_takes_only_reviewed_or_final_segments(tmp_path):
    path = tmp_path / "job.xliff"
    path.write_text(XLIFF2, encoding="utf-8")
    result = run_cli("memory", "import", path)
    assert result.exit_code == 0, result.output
    assert "added 2," in result.stdout
    assert entries() == {
        "Høsten kom til Ålesund.": "Autumn came to Ålesund.",
        "Prisen steg med 5 prosent i år.": "The price rose by 5 percent this year.",
    }


def test_import_tsv_reports_added_updated_unchanged(tmp_path):
    path = tmp_path / "fixes.tsv"
    path.write_text(TSV, encoding="utf-8")
    assert "added 2, updated 0, unchanged 0" in run_cli("memory", "import", path).stdout
    path.write_text(TSV.replace("Eight out of ten", "Eight in ten"), encoding="utf-8")
    assert "added 0, updated 1, unchanged 1" in run_cli("memory", "import", path).stdout
    assert entries()["Åtte av ti ble med."] == "Eight in ten joined."
    stats = json.loads(run_cli("memory", "stats", "--json").stdout)
    assert stats["entries"] == 2 and stats["by_origin"] == {"import:fixes.tsv": 2}


BROKEN = {
    "torn.tmx": (TMX.replace("</tu>\n    <tu>", "</tu>\n    <tu", 1), ":11:"),
    "nolang.tmx": (TMX.replace('<tuv xml:lang="de">', "<tuv>"), ":16:"),
    "wrong-lang.xlf": (XLIFF12.replace('target-language="en"', 'target-language="de"'), ":3:"),
    "torn.xliff": (XLIFF2.replace("</segment>", "</segmen>", 1), ":6:"),
    "notab.tsv": ("Kongen åpnet Stortinget.\tThe King opened the Storting.\n\nEn linje uten tabulator\n", ":3:"),
    "latin1.tsv": (None, ":2:"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_is_exit_2_with_its_line_and_stores_nothing(tmp_path, name):
    seed = tmp_path / "seed.tsv"
    seed.write_text("Gammel setning.\tOld sentence.\n", encoding="utf-8")
    assert run_cli("memory", "import", seed).exit_code == 0
    before = entries()
    text, where = BROKEN[name]
    path = tmp_path / name
    if text is None:
        path.write_bytes("Første linje.\tFirst line.\n".encode() + "Blåbær\tBlueberries\n".encode("latin-1"))
    else:
        path.write_text(text, encoding="utf-8")
    result = run_cli("memory", "import", path)
    assert result.exit_code == 2, result.output
    assert f"{path}{where}" in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert entries() == before


def test_a_fifo_or_folder_is_refused_without_being_opened(tmp_path):
    import os

    fifo = tmp_path / "fixes.tsv"
    os.mkfifo(fifo)  # opening it would block the import for ever
    result = run_cli("memory", "import", fifo)
    assert result.exit_code == 2 and "named pipe" in result.stderr and "only regular files" in result.stderr
    folder = tmp_path / "folder.tmx"
    folder.mkdir()
    result = run_cli("memory", "import", folder)
    assert result.exit_code == 2 and "a folder" in result.stderr
    assert "Traceback" not in result.output


def test_export_and_reimport_give_the_same_entries(tmp_path):
    for name, text in (("a.tmx", TMX), ("b.xlf", XLIFF12), ("c.xliff", XLIFF2), ("d.tsv", TSV)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert run_cli("memory", "import", tmp_path / name).exit_code == 0
    exported = tmp_path / "all.tmx"
    result = run_cli("memory", "export", exported)
    assert result.exit_code == 0, result.output
    assert "Wrote 9 entries" in result.stdout
    root = etree.parse(str(exported)).getroot()
    assert root.find("header").get("srclang") == "nb"
    fresh = tmp_path / "fresh"
    result = run_cli("memory", "import", exported, "--memory-dir", fresh)
    assert "added 9, updated 0, unchanged 0" in result.stdout
    assert entries(fresh) == entries()
    assert "unchanged 9" in run_cli("memory", "import", exported).stdout
    assert run_cli("memory", "export", tmp_path / "all.txt").exit_code == 2


def test_cache_clear_leaves_the_memory(tmp_path):
    path = tmp_path / "fixes.tsv"
    path.write_text(TSV, encoding="utf-8")
    run_cli("memory", "import", path)
    assert run_cli("cache", "clear").exit_code == 0
    assert len(entries()) == 2


def test_memory_lives_in_the_data_folder_not_the_cache(tmp_path, monkeypatch):
    from translate.cache import resolve_cache_dir
    from translate.memory import resolve_memory_dir

    monkeypatch.delenv("NB2EN_MEMORY_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_memory_dir() == tmp_path / "data" / "nb2en"
    assert resolve_memory_dir() != resolve_cache_dir()
    assert resolve_memory_dir(tmp_path / "x") == tmp_path / "x"


# --------------------------------------------------------------------------- use on translate


def test_origin_memory_cache_model_passthrough_and_no_memory(article, tiny_marian_dir, tmp_path):
    first = translate_json(article, tiny_marian_dir)
    origins = [s["origin"] for s in sentences(first)]
    assert set(origins) == {"model", "passthrough"}
    fixed = sentences(first)[1]["source"]
    tsv = tmp_path / "fix.tsv"
    tsv.write_text(f"  {fixed}  \tThe Finance Minister said the budget was tight.\n", encoding="utf-8")
    assert run_cli("memory", "import", tsv).exit_code == 0

    second = translate_json(article, tiny_marian_dir)
    by_source = {s["source"]: s for s in sentences(second)}
    assert by_source[fixed]["origin"] == "memory"
    assert by_source[fixed]["target"] == "The Finance Minister said the budget was tight."
    assert by_source[fixed]["flags"] == [] and by_source[fixed]["cached"] is False
    others = [s for s in sentences(second) if s["source"] != fixed]
    assert {s["origin"] for s in others} == {"cache", "passthrough"}
    assert second["memory"] == {"hits": 1}
    assert second["cache"]["hits"] == len([s for s in others if s["origin"] == "cache"])
    assert second["cache"]["misses"] == 0

    off = translate_json(article, tiny_marian_dir, "--no-memory")
    assert {s["origin"] for s in sentences(off)} == {"cache", "passthrough"}
    assert off["memory"] == {"hits": 0}


def test_memory_hit_matches_whitespace_collapsed_text(tmp_path, tiny_marian_dir):
    path = tmp_path / "ws.txt"
    path.write_text("Regjeringen   la fram\nstatsbudsjettet i dag.\n", encoding="utf-8")
    tsv = tmp_path / "fix.tsv"
    tsv.write_text("Regjeringen la fram statsbudsjettet i dag.\tThe government presented the budget today.\n", encoding="utf-8")
    run_cli("memory", "import", tsv)
    data = translate_json(path, tiny_marian_dir)
    assert [s["origin"] for s in sentences(data)] == ["memory"]
    assert data["blocks"][0]["target"] == "The government presented the budget today."


def test_near_miss_is_a_suggestion_never_applied(article, tiny_marian_dir, tmp_path):
    tsv = tmp_path / "near.tsv"
    tsv.write_text("Det kostet 12 millioner kroner.\tIt cost 12 million kroner.\n", encoding="utf-8")
    run_cli("memory", "import", tsv)
    data = translate_json(article, tiny_marian_dir)
    sentence = next(s for s in sentences(data) if s["source"] == "Det kostet 13 millioner kroner.")
    assert sentence["origin"] == "model"
    assert sentence["target"] != "It cost 12 million kroner."
    suggestion = sentence["suggestion"]
    assert suggestion["source"] == "Det kostet 12 millioner kroner."
    assert suggestion["target"] == "It cost 12 million kroner."
    assert 95 <= suggestion["score"] < 100
    assert all("suggestion" not in s for s in sentences(data) if s["source"] != sentence["source"])


def test_xliff_round_trip_through_a_cat_tool(article, tiny_marian_dir, tmp_path):
    out = tmp_path / "sak.xlf"
    result = run_cli("translate", article, "--model", tiny_marian_dir, "--beam-size", "1", "-f", "xliff", "-o", out)
    assert result.exit_code == 0, result.output
    data = translate_json(article, tiny_marian_dir)
    tree = etree.parse(str(out))
    root = tree.getroot()
    assert root.get("version") == "1.2"
    file_ = root.find("x:file", X)
    assert (file_.get("source-language"), file_.get("target-language")) == ("nb", "en")
    groups = file_.findall("x:body/x:group", X)
    assert [g.get("resname") for g in groups] == [b["kind"] for b in data["blocks"] if b["sentences"]]
    units = file_.findall(".//x:trans-unit", X)
    assert [u.find("x:source", X).text for u in units] == [s["source"] for s in sentences(data)]
    assert {u.find("x:target", X).get("state") for u in units} == {"needs-review-translation"}
    passthrough = units[-1]
    assert "passthrough" in [n.text for n in passthrough.findall("x:note", X)]

    # The editor corrects two targets in a CAT tool and marks them final.
    for unit, english in ((units[0], "The government presented the state budget today."), (units[2], "It cost NOK 13 million.")):
        target = unit.find("x:target", X)
        target.text = english
        target.set("state", "final")
    tree.write(str(out), xml_declaration=True, encoding="UTF-8")
    result = run_cli("memory", "import", out)
    assert result.exit_code == 0, result.output
    assert "added 2, updated 0, unchanged 0" in result.stdout

    again = translate_json(article, tiny_marian_dir)
    got = sentences(again)
    assert [s["origin"] for s in got].count("memory") == 2
    assert got[0]["origin"] == got[2]["origin"] == "memory"
    assert got[0]["target"] == "The government presented the state budget today."
    assert got[2]["target"] == "It cost NOK 13 million."
    assert [s["target"] for i, s in enumerate(got) if i not in (0, 2)] == [
        s["target"] for i, s in enumerate(sentences(data)) if i not in (0, 2)
    ]
    # In XLIFF the memory's English is final: importing it again changes nothing.
    run_cli("translate", article, "--model", tiny_marian_dir, "--beam-size", "1", "-f", "xliff", "-o", out)
    states = [u.find("x:target", X).get("state") for u in etree.parse(str(out)).getroot().iter(f"{{{XLIFF12_NS}}}trans-unit")]
    assert states[0] == states[2] == "final" and states.count("final") == 2
    assert "added 0, updated 0, unchanged 2" in run_cli("memory", "import", out).stdout


# --------------------------------------------------------------------------- batch


def read_report(out_dir: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in (out_dir / "nb2en-report.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return {row["path"]: row["status"] for row in rows}


def test_batch_rerun_redoes_exactly_the_files_with_a_changed_sentence(tiny_marian_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    texts = {
        "a.txt": "Regjeringen la fram statsbudsjettet i dag.\n\nOpposisjonen var kritisk.\n",
        "b.txt": "Finansministeren sa at budsjettet var stramt.\n\nDet regnet i Bergen.\n",
        "c.txt": "Det regnet i Bergen.\n\nVi kommer tilbake med mer.\n",
        "d.txt": "Været blir fint i morgen.\n",
    }
    for name, text in texts.items():
        (in_dir / name).write_text(text, encoding="utf-8")
    args = ["batch", in_dir, out_dir, "--model", tiny_marian_dir, "--beam-size", "1", "-f", "json", "-q"]
    assert run_cli(*args).exit_code == 0
    assert set(read_report(out_dir).values()) == {"ok"}
    assert set(read_report(out_dir).values()) == {"ok"}
    assert run_cli(*args).exit_code == 0
    assert set(read_report(out_dir).values()) == {"skipped"}

    tsv = tmp_path / "fix.tsv"
    tsv.write_text("Det regnet i Bergen.\tIt rained in Bergen.\n", encoding="utf-8")
    assert run_cli("memory", "import", tsv).exit_code == 0
    assert run_cli(*args).exit_code == 0
    assert read_report(out_dir) == {"a.txt": "skipped", "b.txt": "ok", "c.txt": "ok", "d.txt": "skipped"}
    data = json.loads((out_dir / "b.en.json").read_text(encoding="utf-8"))
    assert data["blocks"][1]["target"] == "It rained in Bergen."

    # Nothing changed since: everything is skipped, without reading the sources again.
    assert run_cli(*args).exit_code == 0
    assert set(read_report(out_dir).values()) == {"skipped"}
    # An unchanged re-import changes nothing either.
    run_cli("memory", "import", tsv)
    assert run_cli(*args).exit_code == 0
    assert set(read_report(out_dir).values()) == {"skipped"}
    # Without the memory, every output is redone (the outputs differ).
    assert run_cli(*args, "--no-memory").exit_code == 0
    assert set(read_report(out_dir).values()) == {"ok"}


def test_batch_xliff_outputs(tiny_marian_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    (in_dir / "a.txt").write_text("Regjeringen la fram statsbudsjettet i dag.\n", encoding="utf-8")
    result = run_cli("batch", in_dir, out_dir, "--model", tiny_marian_dir, "--beam-size", "1", "-f", "xliff", "-q")
    assert result.exit_code == 0, result.output
    root = etree.parse(str(out_dir / "a.en.xlf")).getroot()
    assert [u.find("x:source", X).text for u in root.iter(f"{{{XLIFF12_NS}}}trans-unit")] == [
        "Regjeringen la fram statsbudsjettet i dag."
    ]


# --------------------------------------------------------------------------- the library


def test_memory_store_is_one_transaction_and_tracks_changes(tmp_path):
    memory = Memory(tmp_path)
    counts = memory.put_many([("A  b.", "X."), ("C d.", "Y."), ("A b.", "Z.")], origin="test")
    assert counts.to_dict() == {"added": 2, "updated": 0, "unchanged": 0}
    assert memory.lookup(["A b.", " C\nd. "]).keys() == {"A b.", "C d."}
    assert memory.lookup(["A b."])["A b."].target == "Z."
    generation = memory.generation()
    assert memory.put_many([("A b.", "Z.")], origin="again").unchanged == 1
    assert memory.generation() == generation
    memory.put_many([("C d.", "W.")], origin="fix")
    assert memory.changed_since(generation) == {"C d."}
    assert normalize("  a \t b\n") == "a b"
    memory.close()


def test_fingerprint_changes_without_the_memory():
    from translate.settings import Settings

    identity = {"id": "m"}
    assert Settings().fingerprint(identity) != Settings(use_memory=False).fingerprint(identity)
    assert Settings().sentence_key("Hei.", identity) == Settings(use_memory=False).sentence_key("Hei.", identity)


# --------------------------------------------------------------------------- serve


def test_suggest_off_and_on_on_the_real_server(tiny_marian_dir, tmp_path):
    import httpx
    from serve_harness import running_server

    sentence = "Regjeringen la fram statsbudsjettet i dag."
    pair = {"q": sentence, "s": "The government presented the state budget today.", "source": "nb", "target": "en"}
    with running_server(tiny_marian_dir, tmp_path / "cache") as server:
        answer = httpx.post(server.url + "/suggest", json=pair, timeout=60)
        assert answer.status_code == 403
        assert answer.json() == {"error": "Suggestions are disabled on this server."}
    assert entries() == {}

    from translate.memory import suggestion_store

    # As `nb2en serve --suggestions` builds it.
    with running_server(tiny_marian_dir, tmp_path / "cache", suggestions=True, memory=suggestion_store()) as server:
        assert httpx.get(server.url + "/frontend/settings", timeout=60).json()["suggestions"] is True
        answer = httpx.post(server.url + "/suggest", json={**pair, "q": "  " + sentence}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"success": True}
        with Memory(None, create=False) as memory:
            stored = memory.lookup([sentence])[sentence]
        assert (stored.target, stored.origin) == (pair["s"], "/suggest")

        article = httpx.post(
            server.url + "/v1/articles", json={"text": sentence + "\n\nDet kostet 13 millioner kroner i fjor.\n"}, timeout=120
        ).json()
        first, second = sentences(article)
        assert (first["origin"], first["target"]) == ("memory", pair["s"])
        assert second["origin"] == "model" and "suggestion" not in second

        # A near miss is shown in the JSON, never applied.
        httpx.post(server.url + "/suggest", json={**pair, "q": "Det kostet 12 millioner kroner i fjor.", "s": "It cost 12 million kroner last year."}, timeout=60)
        article = httpx.post(server.url + "/v1/articles", json={"text": "Det kostet 13 millioner kroner i fjor.\n"}, timeout=120).json()
        (only,) = sentences(article)
        assert only["origin"] == "cache" and only["suggestion"]["target"] == "It cost 12 million kroner last year."

        wrong = httpx.post(server.url + "/suggest", json={**pair, "source": "de"}, timeout=60)
        assert wrong.status_code == 400 and "error" in wrong.json()


def test_eval_uses_the_memory_and_says_so(tiny_marian_dir, tmp_path):
    src, ref, tsv = tmp_path / "src.txt", tmp_path / "ref.txt", tmp_path / "fix.tsv"
    src.write_text("Regjeringen la fram statsbudsjettet i dag.\nDet regnet i Bergen.\n", encoding="utf-8")
    ref.write_text("The government presented the budget today.\nIt rained in Bergen.\n", encoding="utf-8")
    tsv.write_text("Det regnet i Bergen.\tIt rained in Bergen.\n", encoding="utf-8")
    run_cli("memory", "import", tsv)
    hyp = tmp_path / "hyp.txt"
    common = ["eval", src, ref, "--model", tiny_marian_dir, "--beam-size", "1", "--no-comet", "--hyp-out", hyp]
    result = run_cli(*common)
    assert result.exit_code == 0, result.output
    assert hyp.read_text(encoding="utf-8").splitlines()[1] == "It rained in Bergen."
    assert "1 sentence(s) came from the translation memory" in result.stderr
    result = run_cli(*common, "--no-memory")
    assert result.exit_code == 0, result.output
    assert "translation memory" not in result.stderr


def test_serve_suggestions_flag_stores_into_the_memory_dir(tiny_marian_dir, tmp_path):
    import subprocess

    import httpx
    from serve_harness import free_socket, serve_command, subprocess_env, wait_healthy

    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    memory_dir = tmp_path / "memory"
    command = serve_command(tiny_marian_dir, tmp_path / "cache", port, "--suggestions", "--memory-dir", str(memory_dir))
    process = subprocess.Popen(command, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process=process)
        pair = {"q": "Det regnet i Bergen.", "s": "It rained in Bergen.", "source": "nb", "target": "en"}
        answer = httpx.post(url + "/suggest", data=pair, timeout=60)
        assert answer.status_code == 200, answer.text
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert entries(memory_dir) == {"Det regnet i Bergen.": "It rained in Bergen."}
