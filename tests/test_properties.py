"""Properties every door relies on, for any Unicode text (hypothesis).

Reading, splitting into blocks and sentences, and putting the article back together lose
no character that is not whitespace and keep their order; sentence spans cover their
paragraph exactly; cache keys are the same in every process. Bounded example counts, no
deadline (a busy 2-core machine must not make a property flaky).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from translate.article import parse_article
from translate.cache import make_key
from translate.errors import InputError
from translate.io import decode_source
from translate.segment import sentence_spans, split_sentences

REPO_ROOT = Path(__file__).resolve().parent.parent
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that stress readers and splitters: line endings of every kind, NUL and other
# controls, combining marks, dialogue dashes, terminal punctuation, abbreviations, quotes.
_TRICKY = st.sampled_from(
    [
        "\n", "\r\n", "\r", "\n\n", " \n \n", "\t", "\x00", "\x01", "\x0b", "\x0c", "\x1c", "\x85",
        "\u2028", "\u2029", "\u00a0", "\ufeff", "e\u0301", "a\u0308\u0323", "\u0301", "– ", "- ", "— ",
        ". ", "? ", "! ", "… ", "...", " «Ja.» ", "«", "»", "”", "(©NTB)", "f.eks. ", "kl. 12.30 ",
        "1. ", "Dr. ", "www.vg.no", "A.B. ", "date 2017-11 ", "😀", "\U0001F1F3\U0001F1F4", "中文", "ß",
    ]
)
NORWEGIANISH = st.lists(
    st.one_of(_TRICKY, st.text(min_size=1, max_size=12), st.sampled_from(["Regjeringen", "sier", "Han", "hun"])),
    max_size=40,
).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=300), NORWEGIANISH)
LONG_LINE = st.builds(lambda word, n: (word + " ") * n, st.sampled_from(["ord", "Ord.", "x\u0301y", "«sa»"]), st.integers(500, 3000))


def visible(text: str) -> str:
    """The characters a round trip must keep, in order: everything that is not whitespace."""
    return "".join(ch for ch in text if not ch.isspace())


def article_text(article) -> str:
    """The article put back together the way the renderers do (prefix + sentences, else source)."""
    parts = []
    for block in article.blocks:
        if block.sentences:
            parts.append(block.prefix + " ".join(s.source for s in block.sentences))
        else:
            parts.append(block.source)
    return "\n\n".join(parts)


# --------------------------------------------------------------------------- reading


@PROPERTY
@given(ANY_TEXT, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_decoding_keeps_every_character_it_accepts(text, codec):
    try:
        source = decode_source(text.encode(codec), "article.txt")
    except InputError:
        # Refused as a whole (NUL or too many controls), never silently trimmed.
        assert "\x00" in text or sum(1 for ch in text if ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F) > 0
        return
    expected = text[1:] if text.startswith("\ufeff") else text  # one leading BOM is a BOM
    assert source.text == expected.replace("\r\n", "\n").replace("\r", "\n")


@PROPERTY
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=50), st.integers(0, 20000))
def test_a_nul_anywhere_makes_a_file_binary(text, at):
    data = bytearray(("Regjeringen la fram budsjettet i dag. " * 600 + text).encode("utf-8"))
    data.insert(min(at, len(data)), 0)
    try:
        decode_source(bytes(data), "article.txt")
    except InputError as error:
        assert "binary" in str(error)
    else:
        raise AssertionError("a NUL byte got through")


# --------------------------------------------------------------------------- blocks and sentences


@PROPERTY
@given(st.one_of(ANY_TEXT, LONG_LINE))
def test_blocks_and_sentences_lose_no_character_and_keep_order(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # what decode_source hands on
    article = parse_article(text)
    assert visible(article_text(article)) == visible(text)


@PROPERTY
@given(st.one_of(ANY_TEXT, LONG_LINE))
def test_sentence_spans_cover_their_paragraph_exactly(text):
    spans = sentence_spans(text)
    cursor = 0
    for start, end in spans:
        assert cursor <= start < end <= len(text)
        assert text[cursor:start].strip() == "", (text[cursor:start], spans)
        piece = text[start:end]
        assert piece == piece.strip() and piece
        cursor = end
    assert text[cursor:].strip() == ""
    assert split_sentences(text) == [text[s:e] for s, e in spans]


@PROPERTY
@given(ANY_TEXT)
def test_each_block_is_covered_by_its_sentences_in_order(text):
    for block in parse_article(text.replace("\r", "\n")).blocks:
        if not block.sentences:
            continue
        assert block.source.startswith(block.prefix)
        body, cursor = block.source[len(block.prefix):], 0
        for sentence in block.sentences:
            found = body.find(sentence.source, cursor)
            assert found >= 0 and body[cursor:found].strip() == "", (body, sentence.source)
            cursor = found + len(sentence.source)
        assert body[cursor:].strip() == ""


# --------------------------------------------------------------------------- cache keys

PAYLOADS = st.lists(
    st.tuples(
        st.sampled_from(["sentence", "summary"]),
        st.dictionaries(
            st.text(max_size=8),
            st.one_of(
                st.text(max_size=40),
                st.integers(-(2**40), 2**40),
                st.booleans(),
                st.none(),
                st.floats(allow_nan=False, allow_infinity=False),
                st.lists(st.text(max_size=5), max_size=3),
                st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3),
            ),
            max_size=6,
        ),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=4, deadline=None)
@given(PAYLOADS)
def test_cache_keys_are_the_same_in_another_process(payloads):
    here = [make_key(kind, payload) for kind, payload in payloads]
    script = (
        "import json, sys\n"
        "from translate.cache import make_key\n"
        "print(json.dumps([make_key(k, p) for k, p in json.load(sys.stdin)]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONHASHSEED": "4242"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(payloads),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == here
    assume(len(here) > 0)
