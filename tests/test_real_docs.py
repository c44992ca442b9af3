"""Real documents nobody here wrote: only the prose changes (issue 21).

Every file in ``../shared/corpus/real-docs`` (NRK/VG/Dagbladet/Nettavisen and foreign
pages, NITF wires, DOCX fixtures, Hugo/README Markdown; sources in its MANIFEST.tsv) and
in ``tests/data/real-docs`` (our own finds, sources in its README) goes through the
reader, the router and the writer with a deterministic stand-in translator (no model:
each sentence sent to the model comes back as itself behind a marker), and the structure
checker in ``tests/structure.py`` compares input and output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.structure import check, read_manifest, translate_with_marker

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-docs"
OWN = Path(__file__).resolve().parent / "data" / "real-docs"
NORWEGIAN = ("nb", "nn")


def _entries():
    entries = []
    for root in (SHARED, OWN):
        manifest = root / "MANIFEST.tsv"
        if manifest.is_file():
            entries.extend((root, row) for row in read_manifest(manifest))
    return entries


ENTRIES = _entries()


def test_the_corpus_is_there_and_every_file_is_in_its_manifest():
    if not SHARED.is_dir():
        pytest.skip("../shared/corpus/real-docs is not beside this checkout")
    listed = {row["file"] for root, row in ENTRIES if root == SHARED}
    on_disk = {str(p.relative_to(SHARED)) for p in SHARED.rglob("*") if p.is_file() and p.name not in ("MANIFEST.tsv", "README.md")}
    assert on_disk == listed
    assert len(listed) >= 60


@pytest.mark.parametrize("root,row", ENTRIES, ids=[row["file"] for _, row in ENTRIES])
def test_only_the_prose_changes(root, row):
    outcome = translate_with_marker((root / row["file"]).read_bytes(), row["file"])
    check(outcome)
    total = sum(outcome.languages.values()) or 1
    norwegian = sum(outcome.languages.get(code, 0) for code in NORWEGIAN) / total
    if row["language"] in NORWEGIAN:
        # Norwegian prose is translated (menus, names and English terms may pass through).
        assert outcome.translated > 0 and norwegian >= 0.7, outcome.languages
    else:
        # A foreign page or an English wire: (almost) nothing goes to the model.
        assert norwegian <= 0.05, outcome.languages
        if row["language"] in ("da", "sv"):
            assert outcome.document.article.language == row["language"]
