"""The one settings object: validation, and every option changing exactly the keys it must."""

from __future__ import annotations

from pathlib import Path

import pytest

from translate import faithful, segment
from translate.errors import UsageError
from translate.settings import Backend, OutputFormat, Settings, Summarizer, SummaryStyle

IDENTITY = {"id": "m", "revision": "r1", "backend": "ctranslate2", "compute_type": "int8", "beam_size": 4}


def fingerprint(settings: Settings, identity: dict = IDENTITY, summary_identity: dict | None = None) -> str:
    return settings.fingerprint(identity, summary_identity)


def test_strings_become_enums_and_bad_values_are_usage_errors():
    settings = Settings(backend="transformers", device="cpu", output_format="json", summary_style="bullets")
    assert settings.backend is Backend.transformers and settings.output_format is OutputFormat.json
    assert settings.summary_style is SummaryStyle.bullets and settings.summarizer is Summarizer.abstractive
    for bad in ({"backend": "nope"}, {"device": "tpu"}, {"output_format": "pdf"}, {"summary_style": "long"},
                {"summarizer": "magic"}, {"beam_size": 0}, {"beam_size": 17}, {"threads": 0}, {"threads": "2"}, {"encoding": "no-such-codec"}):
        with pytest.raises(UsageError):
            Settings(**bad)
    with pytest.raises(Exception):
        Settings().beam_size = 2  # frozen


def test_every_output_option_changes_the_fingerprint(tmp_path, monkeypatch):
    glossary = tmp_path / "glossary.tsv"
    glossary.write_text("Stortinget\tthe Storting\n", encoding="utf-8")
    base = Settings()
    reference = fingerprint(base)
    assert fingerprint(Settings()) == reference  # stable
    changed = {
        "repair": fingerprint(base.replace(repair=False)),
        "input_format": fingerprint(base.replace(input_format="html")),
        "output_format": fingerprint(base.replace(output_format="json")),
        "encoding": fingerprint(base.replace(encoding="latin-1")),
        "glossary": fingerprint(base.replace(glossary=glossary)),
        "summary": fingerprint(base.replace(summary=True)),
        "summary_style": fingerprint(base.replace(summary=True, summary_style="headline")),
        "summarizer": fingerprint(base.replace(summary=True, summarizer="extractive")),
        "summary_model": fingerprint(base.replace(summary=True, summary_model="other/model")),
        "summary_identity": fingerprint(base.replace(summary=True), summary_identity={"prompt": "sha256:x"}),
        # model, backend, device (compute type) and beam size reach it through the backend identity
        "model": fingerprint(base, {**IDENTITY, "id": "other"}),
        "revision": fingerprint(base, {**IDENTITY, "revision": "r2"}),
        "backend": fingerprint(base, {**IDENTITY, "backend": "transformers"}),
        "compute_type": fingerprint(base, {**IDENTITY, "compute_type": "float16"}),
        "beam_size": fingerprint(base, {**IDENTITY, "beam_size": 5}),
    }
    monkeypatch.setattr(segment, "SEGMENTER_VERSION", segment.SEGMENTER_VERSION + "-next")
    changed["segmenter"] = fingerprint(base)
    monkeypatch.undo()
    monkeypatch.setattr(faithful, "FAITHFUL_VERSION", faithful.FAITHFUL_VERSION + "-next")
    changed["faithful"] = fingerprint(base)
    monkeypatch.undo()
    assert reference not in changed.values()
    assert len(set(changed.values())) == len(changed), changed
    # The glossary's content counts, not its path.
    glossary.write_text("Stortinget\tParliament\n", encoding="utf-8")
    assert fingerprint(base.replace(glossary=glossary)) != changed["glossary"]


def test_speed_only_options_do_not_change_the_fingerprint_or_the_sentence_key(tmp_path):
    base = Settings()
    same = [
        base.replace(cache_dir=tmp_path),
        base.replace(use_cache=False),
        base.replace(device="cpu"),  # the device changes outputs only through the compute type
        base.replace(summary_style="bullets"),  # summary options without --summary change nothing
        base.replace(summarizer="extractive", summary_model="x/y"),
        base.replace(threads=1),  # --threads / NB2EN_THREADS: speed only
        base.replace(threads=7),
    ]
    for settings in same:
        assert fingerprint(settings) == fingerprint(base)
        assert settings.sentence_key("Hei.", IDENTITY) == base.sentence_key("Hei.", IDENTITY)
    from translate.batch import BatchOptions

    # Window sizes, engine, pattern and --force live in BatchOptions, outside the fingerprint.
    assert "window_sentences" in BatchOptions.__dataclass_fields__
    assert "window_sentences" not in Settings.__dataclass_fields__


def test_sentence_key_covers_what_changes_one_sentence(tmp_path):
    glossary = tmp_path / "g.tsv"
    glossary.write_text("NTB\tNTB\n", encoding="utf-8")
    base = Settings()
    key = base.sentence_key("Hunden sover.", IDENTITY)
    variants = {
        base.sentence_key("Katten sover.", IDENTITY),
        base.sentence_key("Hunden sover.", {**IDENTITY, "beam_size": 1}),
        base.replace(repair=False).sentence_key("Hunden sover.", IDENTITY),
        base.sentence_key("Hunden sover.", IDENTITY, extra={"terms": ["NTB"]}),
    }
    assert key not in variants and len(variants) == 4
    # A glossary changes the key of a sentence containing one of its terms, and no other.
    with_glossary = base.replace(glossary=glossary)
    assert with_glossary.sentence_key("Hunden sover.", IDENTITY) == key
    assert with_glossary.sentence_key("NTB melder.", IDENTITY) != base.sentence_key("NTB melder.", IDENTITY)
    # Output format, encoding and summary options do not touch sentence translations.
    for other in (base.replace(output_format="json"), base.replace(encoding="latin-1"), base.replace(summary=True)):
        assert other.sentence_key("Hunden sover.", IDENTITY) == key


def test_unreadable_glossary_is_a_usage_error_when_the_settings_are_built(tmp_path):
    with pytest.raises(UsageError, match="glossary"):
        Settings(glossary=tmp_path / "missing.tsv")
    good = tmp_path / "g.tsv"
    good.write_text("NTB\tNTB\n", encoding="utf-8")
    assert isinstance(Settings(glossary=str(good)).glossary, Path)


def test_replace_carries_the_loaded_glossary_over_without_reading_the_file_again(tmp_path):
    """serve builds a Settings per summary style and Ray per actor from the edge's one: the
    glossary checked at the edge is the one used, even if the file changed or went since."""
    from translate.settings import Settings

    path = tmp_path / "glossary.tsv"
    path.write_text("Stortinget\tthe Storting\n", encoding="utf-8")
    settings = Settings(glossary=path)
    path.unlink()
    changed = settings.replace(beam_size=2, summary_style="bullets")
    assert changed.glossary == path and changed.beam_size == 2
    assert changed.glossary_table is settings.glossary_table
    assert changed.protection_fields() == settings.protection_fields()
