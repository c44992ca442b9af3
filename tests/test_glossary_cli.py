"""--glossary end to end: terms and spans verbatim, cache keys per sentence, bad files exit 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from translate.cli import app

ARTICLE = """Stortinget vedtok budsjettet sent i går kveld.

Pengene til NAV økes med flere millioner kroner neste år.

Hunden løper rundt i parken hver eneste morgen.

Hele dokumentet ligger på https://www.regjeringen.no/no/dokumenter/prop-1-s/id3056373/ for alle som vil lese det.
"""


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def translate(article, model_dir, *extra: str) -> dict:
    result = run("translate", str(article), "--model", str(model_dir), "--format", "json", "--beam-size", "1",
                 "--backend", "ctranslate2", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def sentences(data: dict) -> list[dict]:
    return [s for block in data["blocks"] for s in block["sentences"]]


def test_terms_and_spans_come_out_verbatim_and_only_their_sentences_are_retranslated(tmp_path, tiny_marian_dir):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    glossary = tmp_path / "glossary.tsv"
    glossary.write_text("Stortinget\tthe Storting\n", encoding="utf-8")

    first = translate(article, tiny_marian_dir, "--glossary", str(glossary))
    assert first["cache"] == {"hits": 0, "misses": 4}
    storting, nav, dog, url = sentences(first)
    assert storting["target"].startswith("The Storting ") and "protected-fallback" in storting["flags"]
    assert "https://www.regjeringen.no/no/dokumenter/prop-1-s/id3056373/" in url["target"]
    assert "NAV" not in nav["flags"] and "protected-fallback" not in dog["flags"]

    # The same glossary: everything from the cache.
    assert translate(article, tiny_marian_dir, "--glossary", str(glossary))["cache"] == {"hits": 4, "misses": 0}

    # One term added: only the sentence containing it is translated again.
    glossary.write_text("Stortinget\tthe Storting\nNAV\tNAV\n", encoding="utf-8")
    added = translate(article, tiny_marian_dir, "--glossary", str(glossary))
    assert added["cache"] == {"hits": 3, "misses": 1}
    assert [s["cached"] for s in sentences(added)] == [True, False, True, True]
    assert "NAV" in sentences(added)[1]["target"]

    # A changed English term is never served from the cache.
    glossary.write_text("Stortinget\tParliament\nNAV\tNAV\n", encoding="utf-8")
    changed = translate(article, tiny_marian_dir, "--glossary", str(glossary))
    assert [s["cached"] for s in sentences(changed)] == [False, True, True, True]
    assert sentences(changed)[0]["target"].startswith("Parliament ")

    # No glossary: a sentence without items keeps the key it always had (the NAV sentence
    # was cached that way by the first run, before NAV was a term).
    plain = translate(article, tiny_marian_dir)
    assert [s["cached"] for s in sentences(plain)] == [False, True, True, True]


def test_bad_glossary_exits_2_naming_the_line_before_any_model_load(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    glossary = tmp_path / "bad.tsv"
    glossary.write_text("# ok\nStortinget\tthe Storting\nNAV NAV\n", encoding="utf-8")
    for command in (["translate"], ["summarize", "--summarizer", "extractive"]):
        # The model does not exist: the glossary must be reported first, before any model load.
        result = run(*command, str(article), "--model", str(tmp_path / "no-such-model"), "--glossary", str(glossary))
        assert result.exit_code == 2, result.output
        assert f"{glossary}:3: no tab" in result.output
    out_dir = tmp_path / "out"
    result = run("batch", str(tmp_path), str(out_dir), "--model", str(tmp_path / "no-such-model"),
                 "--glossary", str(glossary))
    assert result.exit_code == 2 and f"{glossary}:3:" in result.output
    assert not out_dir.exists() or not any(out_dir.iterdir())
    missing = run("translate", str(article), "--glossary", str(tmp_path / "none.tsv"))
    assert missing.exit_code == 2 and "no such glossary file" in missing.output
