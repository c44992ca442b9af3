"""Faithfulness rules shared by every backend: no truncation, loops caught, numbers kept."""

from __future__ import annotations

import pytest

from translate.backends import DecodingSettings, choose_backend, create_backend
from translate.backends.base import Generation
from translate.faithful import (
    FLAG_LENGTH_CAP,
    FLAG_REPETITION,
    FLAG_SPLIT,
    is_repetitive,
    missing_numbers,
    output_problem,
    split_in_two,
    split_to_fit,
    translate_texts,
)
from translate.models import resolve_model


def word_count(texts: list[str]) -> list[int]:
    return [len(text.split()) for text in texts]


@pytest.mark.parametrize(
    "source, target, missing",
    [
        ("Møtet starter kl. 09.30.", "The meeting starts at 9:30.", []),
        ("Veksten var 2,5 prosent.", "Growth was 2.5 percent.", []),
        ("Det kom 15 000 mennesker.", "15,000 people came.", []),
        ("Han ble nummer 3. i 2017.", "He came 3rd in 2017.", []),
        ("15 sivile, blant dem 7 barn, er drept.", "15 civilians have been killed.", ["7"]),
        ("Det var 12 og 12 igjen.", "There were 12 left.", ["12"]),
    ],
)
def test_missing_numbers_compares_digits_not_formatting(source, target, missing):
    assert missing_numbers(source, target) == missing


def test_repetition_is_detected_but_ordinary_text_is_not():
    assert is_repetitive("the the the the")
    assert is_repetitive("Clinton said Clinton said Clinton said Clinton said")
    assert not is_repetitive("The army said on Thursday that it had retaken the whole town.")


def test_output_problem_names_cap_and_loops():
    assert output_problem("Hei.", Generation("Hi.", 2, hit_cap=True)) == FLAG_LENGTH_CAP
    assert output_problem("Hei.", Generation("ha ha ha ha ha", 5, hit_cap=False)) == FLAG_REPETITION
    assert output_problem("Hei på deg.", Generation("Hi there.", 3, hit_cap=False)) is None


def test_split_prefers_clause_boundaries_near_the_middle():
    left, right = split_in_two("Regjeringen la fram budsjettet i dag, og opposisjonen reagerte kraftig på kuttene.")
    assert left.endswith("i dag,") and right.startswith("og opposisjonen")
    assert split_in_two("Motangrep") == []


def test_split_to_fit_covers_the_text_and_respects_the_limit():
    text = " ".join(f"ord{i}" for i in range(1000))
    pieces = split_to_fit(text, word_count, 64)
    assert " ".join(pieces) == text
    assert all(n <= 64 for n in word_count(pieces))


@pytest.fixture(scope="module")
def tiny_backends(tiny_marian_dir, tmp_path_factory):
    ref = resolve_model(str(tiny_marian_dir))
    cache_dir = tmp_path_factory.mktemp("faithful-cache")
    return {
        name: create_backend(ref, choose_backend(name, "cpu"), DecodingSettings(beam_size=1), cache_dir=cache_dir)
        for name in ("transformers", "ctranslate2")
    }


@pytest.mark.parametrize("name", ["transformers", "ctranslate2"])
def test_runaway_output_reaches_the_cap_on_every_backend(tiny_backends, name):
    # Random weights never emit </s>: both backends must report the cap, so repair kicks in.
    generations = tiny_backends[name].generate(["Det regner i Oslo i dag.", "Hunden løper i parken."])
    assert all(g.hit_cap for g in generations)


@pytest.mark.parametrize("name", ["transformers", "ctranslate2"])
def test_over_long_input_is_split_in_order_and_flagged(tiny_backends, name):
    backend = tiny_backends[name]
    backend.ensure_loaded()
    long_text = " ".join(["byen ligger ved grensa og folk har flyktet"] * 150)
    (result,) = translate_texts(backend, [long_text])
    assert FLAG_SPLIT in result.flags
    assert result.target
