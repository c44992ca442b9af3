"""Deciding which text to translate and which to pass through unchanged.

Cheap rules decide almost every sentence (Norwegian letters and function words, URLs,
text without letters). Only a sentence that looks like it could be English is given to
lingua, whose models ship inside its package (offline) and load on first use, so a
typical Norwegian article never pays for loading them.
"""

from __future__ import annotations

import re
from functools import lru_cache

_URL = re.compile(r"^(?:https?://|www\.)\S+$|^\S+@\S+\.\w+$|^[\w.-]+\.(?:no|com|org|net|se|dk|uk|io)(?:/\S*)?$", re.I)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NORWEGIAN_LETTERS = re.compile(r"[æøåÆØÅ]")
_NORWEGIAN_WORDS = frozenset(
    """og er det som på ikke av til med har en et ei å ble blir fra de den seg sier sa var ved om
    etter også skal kan vil mot hun han vi jeg dere deres sine sitt sin men eller når hvor hva hvem
    hvis enn bare nå både mellom ifølge alle andre denne dette disse ingen noen mange flere""".split()
)
_ENGLISH_WORDS = frozenset(
    """the and is are was were of to in that it with for on as by this be have has had not but
    they we you he she said will would from at which who their there been an or what""".split()
)
_MIN_WORDS_FOR_DETECTION = 3
_MIN_ENGLISH_CONFIDENCE = 0.5


def should_translate(text: str) -> bool:
    """False for text that must pass through unchanged: URLs, no letters, or English."""
    stripped = text.strip()
    if not stripped or _URL.match(stripped):
        return False
    words = [w.lower() for w in _WORD.findall(stripped)]
    if not words:
        return False
    if _NORWEGIAN_LETTERS.search(stripped) or any(w in _NORWEGIAN_WORDS for w in words):
        return True
    if len(words) < _MIN_WORDS_FOR_DETECTION or not any(w in _ENGLISH_WORDS for w in words):
        return True
    return not _is_english(stripped)


def _is_english(text: str) -> bool:
    values = _detector().compute_language_confidence_values(text)
    top = values[0]
    return top.language.name == "ENGLISH" and top.value >= _MIN_ENGLISH_CONFIDENCE


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.BOKMAL, Language.NYNORSK, Language.ENGLISH).build()


# Frequent Bokmål and Nynorsk words that are not also English words (no "her", "over",
# "man"), for the whole-document check only: should_translate keeps its own short list.
_NORWEGIAN_DOCUMENT_WORDS = _NORWEGIAN_WORDS | frozenset(
    """la lagt legger fram frem dag dager natt morgen kveld uke år måned fjor tirsdag onsdag torsdag
    fredag lørdag søndag mandag da så her der dit hit hvorfor fordi mens siden uten under før ny nye nytt
    første siste stor store stort liten lite små mer mest mye flest få får fikk gikk går kom kommer kommet
    må måtte bør burde ha hadde hatt være vært bli blitt blant rundt tilbake sammen samme selv slik
    slike ifølge både enten aldri alltid ofte igjen allerede fortsatt fortsetter også kanskje ingen ingenting
    norsk norske norge regjeringen stortinget kommunen politiet kroner prosent millioner milliarder
    ikkje eg ho dei kva korleis frå berre vart mykje òg no""".split()
)
# "i" (in) counts only in lower case: the English pronoun is always "I".
_LOWER_ONLY_NORWEGIAN = frozenset({"i"})
_MIN_WORDS_FOR_DOCUMENT_CHECK = 5
_MIN_NORWEGIAN_SHARE = 0.05
_MIN_ENGLISH_SHARE = 0.1


def looks_norwegian(text: str) -> bool:
    """Whole-document check used to warn (not fail) when an input is not Norwegian.

    Too short to judge counts as Norwegian. Clearly English text (English function words
    outnumber Norwegian ones and make up a tenth of the words) does not; otherwise
    Norwegian letters or a twentieth of frequent Norwegian words do.
    """
    raw = _WORD.findall(text)
    if len(raw) < _MIN_WORDS_FOR_DOCUMENT_CHECK:
        return True
    words = [w.lower() for w in raw]
    norwegian = sum(
        1
        for original, word in zip(raw, words)
        if word in _NORWEGIAN_DOCUMENT_WORDS or (word in _LOWER_ONLY_NORWEGIAN and original == word)
    )
    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    if english > norwegian and english >= _MIN_ENGLISH_SHARE * len(words):
        return False
    return norwegian >= _MIN_NORWEGIAN_SHARE * len(words) or bool(_NORWEGIAN_LETTERS.search(text))
