"""Which language each sentence is in, and so whether it goes to the model.

One decision, used by every door (CLI, batch, serve's page and ``/detect``): lingua, a
real identifier whose models ship inside its package (offline), over Bokmål, Nynorsk,
Danish, Swedish, English and the other languages news quotes, helped by the document:

- a language declared on an element (``lang``/``xml:lang`` on any ancestor, NITF
  ``xml:lang``, DOCX ``w:lang``, Markdown front matter ``lang``) wins for its text unless
  a sentence of more than four words is clearly (0.6) in another language: CMSes, wire
  templates and Word stamp a default on everything (a Danish wire says ``no-NO``, Word
  says the keyboard's language). Under a Norwegian declaration a Danish or Swedish
  sentence is taken as Norwegian unless the document as a whole reads Danish or Swedish;
- within the North Germanic family (where the identifier is weakest: Bokmål, Nynorsk and
  Danish share most words) and for short sentences (headlines, captions), the document's
  own mix of languages informs the choice.

The language decides the route: nb and nn are translated; da and sv are translated when
the model covers them (``source_languages``, from ``--source-languages``, by default from
the model id: gmq models are trained on all North Germanic languages) and are flagged
either way; everything else (and ``und``: no letters, a URL) passes through untouched.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Bump when a sentence's decided language can change for the same text and document.
ROUTING_VERSION = "2"
NORWEGIAN = ("nb", "nn")
NORTH_GERMANIC = ("nb", "nn", "da", "sv")
UNDETERMINED = "und"
NAMES = {
    "nb": "Norwegian Bokmål", "nn": "Norwegian Nynorsk", "da": "Danish", "sv": "Swedish", "en": "English",
    "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch", "pt": "Portuguese",
    "fi": "Finnish", "pl": "Polish", "is": "Icelandic", "la": "Latin", "ru": "Russian", "uk": "Ukrainian",
    "ar": "Arabic", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "el": "Greek", "he": "Hebrew",
    "fa": "Persian", "tr": "Turkish", "und": "no language",
}
# The identifier works in two steps, so that a process pays for loading only what it needs:
# lingua's full models of the languages near us (which cost about 0.2 s of CPU each to
# load) decide first; only a text they do not call North Germanic is shown to the light
# (trigram) models of the languages news quotes, which name another language when they
# are sure (a French quote is "fr", not "en"; either way it passes through).
# Latin is here for the lorem ipsum of templates and test documents, which the full models
# of the others call Nynorsk or Swedish as often as not.
CORE = ("BOKMAL", "NYNORSK", "DANISH", "SWEDISH", "ENGLISH", "GERMAN", "LATIN")
# A text the full models call North Germanic (one language at this confidence, or the family
# at the next) is decided by them; a diffuse answer (lorem ipsum: 0.25 each) is checked.
_NORDIC_ONE = 0.4
_NORDIC_MASS = 0.75
# The light models name another language when they give it this much and the core this little.
_OTHER_SURE = 0.5
_OTHER_CORE_MASS = 0.3
# The light step: Europe's languages and the world's large ones. Not every language lingua
# knows: a title-case English headline ("San Jose Sharks Beat Calgary Flames") reads as
# Yoruba to trigrams.
WIDE = CORE + tuple(
    """DUTCH FRENCH SPANISH PORTUGUESE ITALIAN CATALAN ICELANDIC FINNISH ESTONIAN LATVIAN LITHUANIAN
    POLISH CZECH SLOVAK SLOVENE CROATIAN SERBIAN BOSNIAN HUNGARIAN ROMANIAN BULGARIAN MACEDONIAN ALBANIAN GREEK
    TURKISH RUSSIAN UKRAINIAN BELARUSIAN IRISH WELSH ARABIC HEBREW PERSIAN URDU HINDI BENGALI PUNJABI
    TAMIL CHINESE JAPANESE KOREAN THAI VIETNAMESE SOMALI SWAHILI TAGALOG INDONESIAN""".split()
)
# Flag on a Danish or Swedish sentence: translated if the model covers it, kept if not.
FLAG_LANGUAGE = "language-{}"

_URL = re.compile(r"^(?:https?://|www\.)\S+$|^\S+@\S+\.\w+$|^[\w.-]+\.(?:no|com|org|net|se|dk|uk|io)(?:/\S*)?$", re.I)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# A sentence this short (in words) leans on its document; one this long stands on its own.
_SHORT_WORDS = 4
# Weight of the document's language mix against the sentence's own confidences.
_FAMILY_CONTEXT = 0.6
_SHORT_CONTEXT = 1.5
# A North Germanic guess this weak, in a document this little North Germanic, is the document's language.
_WEAK_NORDIC = 0.6
_FOREIGN_DOCUMENT = 0.2
# A Norwegian declaration gives way to another language the sentence shows this clearly.
_OVERRIDE_DECLARED = 0.6


def has_words(text: str) -> bool:
    """False for what is never prose: no letters, or a lone URL / e-mail address."""
    stripped = text.strip()
    return bool(stripped) and not _URL.match(stripped) and bool(_WORD.search(stripped))


def normalise_code(value: str | None) -> str | None:
    """A declared language (``nb-NO``, ``no``, ``en_GB``, ``nno``) as a two-letter code, or None."""
    if not value or not value.strip():
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    code = {"no": "nb", "nob": "nb", "nno": "nn", "dan": "da", "swe": "sv", "eng": "en", "deu": "de", "ger": "de"}.get(code, code)
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def default_source_languages(model_id: str) -> tuple[str, ...]:
    """nb, nn, plus da and sv for a North Germanic (gmq) or multilingual (mul) model."""
    lowered = str(model_id).lower()
    if re.search(r"(?:^|[-_/])(?:gmq|mul|scandi|nordic)(?:[-_/]|$)", lowered):
        return NORTH_GERMANIC
    return NORWEGIAN


def parse_source_languages(value: str | tuple | list | None) -> tuple[str, ...] | None:
    """``"nb,nn,da"`` -> ("nb", "nn", "da"); None stays None (the model's default).

    Only Norwegian, Danish and Swedish can be translated by a Norwegian model; nb and nn
    are always in (a Norwegian article is the point of the tool).
    """
    from translate.errors import UsageError

    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = []
    for item in items:
        code = normalise_code(item)
        if not item.strip():
            continue
        if code not in NORTH_GERMANIC:
            raise UsageError(
                f"--source-languages takes nb, nn, da and sv (comma-separated), not '{item.strip()}'."
            )
        codes.append(code)
    return tuple(dict.fromkeys([*NORWEGIAN, *codes]))


def routed(language: str | None, source_languages: tuple[str, ...]) -> bool:
    """Whether a sentence in ``language`` goes to the model (None: not decided, translate)."""
    return language is None or language in source_languages


def flags_for(language: str | None) -> list[str]:
    """The flag a Danish or Swedish sentence carries, translated or not."""
    return [FLAG_LANGUAGE.format(language)] if language in ("da", "sv") else []


# ------------------------------------------------------------------------- the identifier


@lru_cache(maxsize=1)
def _wide():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(*(getattr(Language, name) for name in WIDE)).with_low_accuracy_mode().build()


@lru_cache(maxsize=1)
def _core():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(*(getattr(Language, name) for name in CORE)).build()


def _code(language) -> str:
    return language.iso_code_639_1.name.lower()


_TOKEN = re.compile(r"\S+")
_MIN_WORDS_WITHOUT_NAMES = 3


def without_names(text: str) -> str:
    """``text`` without its proper names: capitalised words after the first, and the first
    when a name follows it ("Jonas Gahr Støre said ... in Tromsø" -> "said ... in").

    Names are in no language: "Støre", "Tromsø", "Ødegaard" pull an English sentence
    towards Norwegian as much as its words pull it towards English. Title-case headlines
    keep their words (too few would be left).
    """
    tokens = _TOKEN.findall(text)
    capital = [bool(_WORD.search(token)) and _WORD.search(token).group(0)[:1].isupper() for token in tokens]
    kept = [
        token for index, token in enumerate(tokens)
        if not capital[index] or (index == 0 and not (len(tokens) > 1 and capital[1]))
    ]
    if sum(1 for token in kept if _WORD.search(token)) < _MIN_WORDS_WITHOUT_NAMES:
        return text
    return " ".join(kept)


def confidences(text: str) -> dict[str, float]:
    """The identifier's confidence (0..1) per language code for ``text`` (empty without
    words), judged on its words without the proper names."""
    if not has_words(text):
        return {}
    judged = without_names(text)
    core = {_code(value.language): value.value for value in _core().compute_language_confidence_values(judged)}
    nordic = [core.get(code, 0.0) for code in NORTH_GERMANIC]
    if max(nordic) >= _NORDIC_ONE or sum(nordic) >= _NORDIC_MASS:
        return core
    wide = {_code(value.language): value.value for value in _wide().compute_language_confidence_values(judged)}
    other = max((code for code in wide if code not in core), key=wide.get, default=None)
    if other and wide[other] >= _OTHER_SURE and sum(wide.get(code, 0.0) for code in core) < _OTHER_CORE_MASS:
        return wide
    return core


def _best(scores: dict[str, float], among=None) -> str:
    items = [(value, code) for code, value in scores.items() if among is None or code in among]
    return max(items)[1] if items else UNDETERMINED


def _decide(own: dict[str, float], words: int, context: dict[str, float], declared: str | None) -> str:
    if not own:
        return UNDETERMINED
    top = _best(own)
    if words <= _SHORT_WORDS and context:
        mixed = {code: own.get(code, 0.0) + _SHORT_CONTEXT * context.get(code, 0.0) for code in set(own) | set(context)}
        top = _best(mixed)
    elif top in NORTH_GERMANIC and context:
        if own[top] < _WEAK_NORDIC and sum(context.get(code, 0.0) for code in NORTH_GERMANIC) < _FOREIGN_DOCUMENT:
            return _best(context)  # a weak North Germanic guess in a document that is not
        mixed = {code: own.get(code, 0.0) + _FAMILY_CONTEXT * context.get(code, 0.0) for code in NORTH_GERMANIC}
        top = _best(mixed)
        if top not in NORWEGIAN and mixed["nb"] + mixed["nn"] > mixed[top]:
            top = _best(mixed, NORWEGIAN)  # Bokmål and Nynorsk split one vote: Norwegian
    if not declared or declared == top:
        return top
    clear = words > _SHORT_WORDS and own.get(top, 0.0) >= _OVERRIDE_DECLARED
    if declared not in NORWEGIAN:
        # A declaration wins unless the sentence is long and clearly in another language
        # (Word stamps the keyboard's language on every run it types).
        return top if clear else declared
    if top in NORWEGIAN:
        return top
    # Declared Norwegian: a clear other language wins, and so does a Danish or Swedish
    # document (a wire template's no-NO); otherwise the sentence is Norwegian.
    document_norwegian = sum(context.get(code, 0.0) for code in NORWEGIAN) >= 0.5 if context else True
    if clear and not (top in NORTH_GERMANIC and document_norwegian):
        return top
    if top in NORTH_GERMANIC and not document_norwegian:
        return top
    return _best(own, NORWEGIAN) if any(code in own for code in NORWEGIAN) else declared


def _mix(rows: list[tuple[dict[str, float], int]]) -> dict[str, float]:
    """The document's language mix: sentences' confidences weighted by their length in words."""
    total: dict[str, float] = {}
    weight = 0
    for own, words in rows:
        if not own:
            continue
        for code, value in own.items():
            total[code] = total.get(code, 0.0) + value * words
        weight += words
    return {code: value / weight for code, value in total.items()} if weight else {}


def decide_languages(texts: list[str], declared: list[str | None] | None = None) -> list[str]:
    """The language of each sentence of one document, in order (``und`` without words).

    ``declared`` is each sentence's declared language (its element's or the document's),
    already normalised; None where nothing was declared.
    """
    declared = declared or [None] * len(texts)
    rows = []
    for text in texts:
        own = confidences(text)
        rows.append((own, len(_WORD.findall(text))))
    context = _mix(rows)
    return [_decide(own, words, context, hint) for (own, words), hint in zip(rows, declared)]


def language_of(text: str, declared: str | None = None) -> str:
    """The language of one text on its own (its sentences' mix is its context)."""
    from translate import segment

    pieces = segment.split_sentences(" ".join(text.split())) if has_words(text) else []
    languages = decide_languages(pieces or [text], [normalise_code(declared)] * max(1, len(pieces)))
    return document_language(pieces or [text], languages)


def document_language(texts: list[str], languages: list[str]) -> str:
    """The language most of the document's words are in (``und`` without words)."""
    weights: dict[str, int] = {}
    for text, language in zip(texts, languages):
        if language != UNDETERMINED:
            weights[language] = weights.get(language, 0) + len(_WORD.findall(text))
    if not weights:
        return UNDETERMINED
    norwegian = sum(weights.get(code, 0) for code in NORWEGIAN)
    best = max(weights, key=weights.get)
    if best not in NORWEGIAN and norwegian >= weights[best]:  # nb + nn together outweigh it
        return max(NORWEGIAN, key=lambda code: weights.get(code, 0))
    return best


# --------------------------------------------------------------------------- documents


def route_article(article) -> str:
    """Set ``language`` on every sentence of ``article``; return the document's language.

    A block's ``lang`` (declared on its element or an ancestor) is the hint for its
    sentences, else the document's (``article.metadata["lang"]``). Sentences a reader has
    already kept (a copyright line) are left as they are.
    """
    document_hint = normalise_code(article.metadata.get("lang"))
    sentences, hints = [], []
    for block in article.blocks:
        hint = normalise_code(getattr(block, "lang", None)) or document_hint
        for sentence in block.sentences:
            if not sentence.translate:
                continue
            if not has_words(sentence.source):
                sentence.language = UNDETERMINED
                continue
            sentences.append(sentence)
            hints.append(hint)
    languages = decide_languages([s.source for s in sentences], hints)
    for sentence, language in zip(sentences, languages):
        sentence.language = language
    article.language = document_language([s.source for s in sentences], languages)
    return article.language


def document_warning(path: str, language: str | None, source_languages: tuple[str, ...]) -> str | None:
    """The warning for a whole document in another language (None for Norwegian or no words)."""
    if language in (None, UNDETERMINED, *NORWEGIAN):
        return None
    name = NAMES.get(language, language)
    if language in source_languages:
        what = f"its {name} sentences are translated (the model covers {name}) and flagged"
    elif language in ("da", "sv"):
        what = f"its {name} sentences pass through unchanged (add {language} to --source-languages if the model covers it)"
    else:
        what = f"its {name} sentences pass through unchanged"
    return f"{path} does not look like Norwegian: it reads as {name} ({language}); {what}."


def looks_norwegian(text: str) -> bool:
    """Whole-text check: True when most of its words are Norwegian (or too few to judge)."""
    return language_of(text) in (*NORWEGIAN, UNDETERMINED)


def language_confidences(text: str) -> list[tuple[str, float]]:
    """Language codes with confidences 0..1, the routing decision first (for ``/detect``)."""
    if not has_words(text):
        return []
    decided = language_of(text)
    own = confidences(text)
    ranked = sorted(own.items(), key=lambda item: item[1], reverse=True)
    return [(decided, own.get(decided, 0.0))] + [(code, value) for code, value in ranked if code != decided]
