"""Library API: articles in, result objects out. No printing, no exit codes.

Data flows one way: parse into blocks and sentences once (``prepare_article`` for text, a
format's reader and ``prepare_document`` for a document), look every sentence up in the
cache, hand only the unique misses to the Translator's miss translator (by default the
in-process backend plus the faithfulness rules; the Ray batch engine passes one that sends
them to actors), store what comes back, then fill the blocks in. Several articles share
model batches (``translate_prepared``). Summaries are made from the English and cached the
same way; a summarizer returns its text with details.
Cache keys come from ``translate.settings.Settings``, nowhere else.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from typing import Callable, Protocol

from translate.article import Article, Sentence, parse_article
from translate.backends import BackendChoice, DecodingSettings, TranslationBackend, choose_backend, create_backend
from translate.cache import Cache, NullCache, make_key
from translate.errors import CacheError
from translate.faithful import Translation, translate_texts
from translate.io import SourceText
from translate.language import document_warning, flags_for, routed
from translate.models import ModelRef, resolve_model
from translate.settings import InlineAlignment, Settings
from translate.spans import translate_protected
from translate.summarizers.base import SummaryDetails, SummaryOutput

FLAG_PASSTHROUGH = "passthrough"
# Sentences translated (and committed to the cache in one transaction) per chunk.
CACHE_WRITE_CHUNK = 256


@dataclass
class CacheCounts:
    hits: int = 0
    misses: int = 0
    # Sentences answered by the translation memory (neither cache hits nor misses).
    memory: int = 0


@dataclass
class ArticleResult:
    """One translated article with everything the renderers and the report need."""

    source: SourceText
    article: Article
    model: dict
    cache: CacheCounts
    timings: dict[str, float] = field(default_factory=dict)
    summary: str | None = None
    warnings: list[str] = field(default_factory=list)
    # Set with ``summary`` by summarize_article: style, summarizer, model, prompt, cached, chunks, flags.
    summary_info: dict | None = None
    # The structured document (translate.formats.Document) the article was read from, for
    # writing the English back in its own format; None for an article parsed from text.
    document: object = None

    @property
    def flags(self) -> list[str]:
        return sorted({flag for s in self.article.sentences() for flag in s.flags if flag != FLAG_PASSTHROUGH})


def open_cache(settings: Settings) -> Cache | NullCache:
    return Cache(settings.cache_dir) if settings.use_cache else NullCache()


def open_memory(settings: Settings):
    """The translation memory the settings name (``translate.memory``), or none with ``--no-memory``."""
    from translate.memory import open_memory as open_store

    return open_store(settings.memory_dir, settings.use_memory)


class MissTranslator(Protocol):
    """Translates the cache misses: unique source texts in, one ``Translation`` each out, in order.

    The local one runs the backend in this process; a Ray engine passes one that sends the
    texts to actors. ``load_seconds`` (optional) is the time spent loading a model so far.
    """

    def __call__(self, texts: list[str]) -> list[Translation]: ...


class BackendMisses:
    """The in-process miss translator: the backend (loaded on first use) plus faithfulness."""

    def __init__(self, backend: TranslationBackend, repair: bool = True):
        self.backend = backend
        self.repair = repair
        self.load_seconds = 0.0

    def __call__(self, texts: list[str]) -> list[Translation]:
        if not self.backend._loaded:
            started = time.perf_counter()
            self.backend.ensure_loaded()
            self.load_seconds += time.perf_counter() - started
        return translate_texts(self.backend, texts, repair=self.repair)


class Translator:
    """The cache in front of a miss translator (by default the backend, loaded on first miss).

    ``translate_misses`` replaces how misses are computed (e.g. by Ray actors); the cache,
    the keys and the flags stay here. Use as a context manager to close the cache.
    """

    def __init__(
        self,
        settings: Settings,
        cache: Cache | NullCache | None = None,
        translate_misses: MissTranslator | Callable[[list[str]], list[Translation]] | None = None,
        memory=None,
    ):
        self.settings = settings
        self.model_ref: ModelRef = resolve_model(settings.model, cache_dir=settings.cache_dir)
        self.choice: BackendChoice = choose_backend(settings.backend.value, settings.device.value, self.model_ref)
        self.backend: TranslationBackend = create_backend(
            self.model_ref,
            self.choice,
            DecodingSettings(beam_size=settings.beam_size),
            cache_dir=settings.cache_dir,
            threads=settings.threads,
        )
        self.cache = cache if cache is not None else open_cache(settings)
        # Human translations, looked up before the cache (translate.memory).
        self.memory = memory if memory is not None else open_memory(settings)
        # Near misses cost a fuzzy lookup per sentence: only where the output shows them.
        self.near_misses = settings.shows_suggestions
        self.translate_misses = translate_misses or BackendMisses(self.backend, repair=settings.repair)
        # Misses per call to ``translate_misses`` (and per cache commit). A sentence's
        # translation does not depend on the others in its call, so an engine with many
        # workers (Ray) raises it to keep them all busy.
        self.miss_chunk = CACHE_WRITE_CHUNK
        self.warnings: list[str] = []
        self._cache_writable = True

    def __enter__(self) -> "Translator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.cache.close()
        self.memory.close()

    @property
    def load_seconds(self) -> float:
        return getattr(self.translate_misses, "load_seconds", 0.0)

    def model_info(self) -> dict:
        identity = self.backend.identity()
        return {
            "id": identity["id"],
            "revision": identity["revision"],
            "backend": identity["backend"],
            "compute_type": identity["compute_type"],
            "beam_size": identity["beam_size"],
            "device": self.choice.device,
            "choice": self.choice.reason,
        }

    def sentence_key(self, text: str, extra: dict | None = None) -> str:
        return self.settings.sentence_key(text, self.backend.identity(), extra)

    def sentence_keys(self, texts: list[str]) -> list[str]:
        """``sentence_key`` of each text, the backend identity taken once for all of them."""
        identity = self.backend.identity()
        return [self.settings.sentence_key(text, identity) for text in texts]

    def fingerprint(self, summary_identity: dict | None = None) -> str:
        """The batch output fingerprint for these settings and this backend (see Settings)."""
        return self.settings.fingerprint(self.backend.identity(), summary_identity)

    def translate_sentences(self, sentences: list[Sentence]) -> CacheCounts:
        """Fill in ``target``, ``cached``, ``flags`` and ``origin`` of every sentence.

        The memory first (a person's English, verbatim, no model), then the cache; the misses
        go to ``translate_misses``. A sentence the memory misses gets its near miss, if any,
        as ``suggestion`` (never applied).
        """
        from translate.memory import normalize

        counts = CacheCounts()
        remembered = self.memory.lookup([s.source for s in sentences])
        others = []
        for s in sentences:
            entry = remembered.get(normalize(s.source)) if remembered else None
            if entry is not None:
                s.target, s.flags, s.cached, s.origin, s.suggestion = entry.target, [], False, "memory", None
                counts.memory += 1
            else:
                others.append(s)
        sentences = others
        if self.memory.enabled and self.near_misses:
            for s in sentences:
                s.suggestion = self.memory.near(s.source) if s.translate else None
        # The sentence's language (translate.language) and the model's languages decide.
        languages = self.settings.routed_languages
        wanted = []
        for s in sentences:
            if s.translate and routed(s.language, languages):
                wanted.append(s)
            else:
                s.target, s.flags, s.origin = s.source, [*flags_for(s.language), FLAG_PASSTHROUGH], "passthrough"
        keys = self.sentence_keys([s.source for s in wanted])
        found = self.cache.get_many(keys)
        missing: dict[str, str] = {}
        for s, key in zip(wanted, keys):
            if key in found:
                s.target, s.flags = found[key][0], [*flags_for(s.language), *found[key][1]]
                s.cached, s.origin = True, "cache"
                counts.hits += 1
            else:
                s.cached = False
                missing.setdefault(key, s.source)
                counts.misses += 1
        if missing:
            # Longest first, in chunks: each chunk's results are committed as soon as it is
            # done, so an interrupted run keeps what it finished.
            pending = sorted(missing.items(), key=lambda item: len(item[1]), reverse=True)
            by_key = {}
            for start in range(0, len(pending), self.miss_chunk):
                chunk = pending[start : start + self.miss_chunk]
                # Protected spans and glossary terms come out verbatim whatever the model does;
                # sentences without any go to the miss translator exactly as they are.
                translations = translate_protected(
                    [text for _, text in chunk], self.settings.glossary_table, self.translate_misses
                )
                done = {key: t for (key, _), t in zip(chunk, translations)}
                by_key.update(done)
                self.store([(key, "sentence", t.target, t.flags) for key, t in done.items()])
            for s, key in zip(wanted, keys):
                if not s.cached:
                    s.target, s.flags = by_key[key].target, [*flags_for(s.language), *by_key[key].flags]
                    s.cached, s.origin = False, "model"
        return counts

    def store(self, rows: list[tuple[str, str, str, list[str]]]) -> None:
        """Write finished results to the cache; a failed write warns once and never loses them."""
        if not self._cache_writable:
            return
        try:
            self.cache.put_many(rows)
        except CacheError as error:
            self._cache_writable = False
            self.warnings.append(
                f"could not write to the cache at {error.path} ({error.reason}); the translation is "
                "complete, but nothing more from this run will be cached."
            )

    def take_warnings(self) -> list[str]:
        """Warnings raised since the last call (cache write failures)."""
        taken, self.warnings = self.warnings, []
        return taken


@dataclass
class PreparedArticle:
    """A source parsed once into blocks and sentences, with the warnings reading it raised."""

    source: SourceText
    article: Article
    warnings: list[str]
    parse_seconds: float = 0.0
    # The document the article was read from (translate.formats), when it was.
    document: object = None

    @property
    def sentence_count(self) -> int:
        return len(self.article.sentences())


def prepare_article(source: SourceText) -> PreparedArticle:
    """Parse a source into blocks and sentences; warn when it does not look Norwegian."""
    started = time.perf_counter()
    article = parse_article(source.text)
    warnings = reading_warnings(source, article)
    return PreparedArticle(source, article, warnings, time.perf_counter() - started)


def prepare_document(document) -> PreparedArticle:
    """An already-read document (``translate.formats.read_document``) as a PreparedArticle.

    The format's reader did the parsing: blocks, sentences, inline spans and locations are
    used as they are (nothing is parsed twice); the same language check as for text.
    """
    source = document.source
    return PreparedArticle(source, document.article, reading_warnings(source, document.article), document.parse_seconds, document)


def reading_warnings(source: SourceText, article: Article) -> list[str]:
    """The source's own warnings. A document in another language is warned about in
    ``translate_prepared``, where the run's source languages are known."""
    return list(source.warnings)


def translate_prepared(prepared: list[PreparedArticle], translator: Translator) -> list[ArticleResult]:
    """Translate parsed articles with shared model batches; results in input order."""
    started = time.perf_counter()
    parse_s = sum(p.parse_seconds for p in prepared)
    sentences = [s for p in prepared for s in p.article.sentences()]
    load_before = translator.load_seconds
    translator.translate_sentences(sentences)
    align_inline_markup(prepared, translator)
    finished = time.perf_counter()
    load_s = translator.load_seconds - load_before
    translator_warnings = translator.take_warnings()
    results = []
    for p in prepared:
        warning = document_warning(p.source.path, p.article.language, translator.settings.routed_languages)
        if warning and warning not in p.warnings:
            p.warnings.append(warning)
        own = p.article.sentences()
        counts = CacheCounts(
            hits=sum(1 for s in own if s.origin == "cache"),
            misses=sum(1 for s in own if s.origin == "model"),
            memory=sum(1 for s in own if s.origin == "memory"),
        )
        timings = {
            "parse_s": round(parse_s, 4),
            "model_load_s": round(load_s, 4),
            "translate_s": round(finished - started - load_s, 4),
            "total_s": round(finished - started + parse_s, 4),
        }
        if len(prepared) > 1:
            timings["shared_batch_articles"] = len(prepared)
        results.append(
            ArticleResult(
                p.source, p.article, translator.model_info(), counts, timings, warnings=p.warnings + translator_warnings,
                document=p.document,
            )
        )
    return results


def align_inline_markup(prepared: list[PreparedArticle], translator: Translator) -> None:
    """With ``--inline-alignment attention``, word links from the model for the sentences whose
    inline markup was not found verbatim in the English (the default, position, needs no model)."""
    if translator.settings.inline_alignment is not InlineAlignment.attention:
        return
    from translate.formats.align import align_article

    for p in prepared:
        align_article(p.article, translator.backend)


def translate_document(
    source,
    translator: Translator,
    *,
    settings: Settings | None = None,
    label: str | None = None,
    summarizer=None,
) -> ArticleResult:
    """One document, whatever the door: read, detect, parse, translate, and summarize when asked.

    ``source`` is bytes (``label`` names them), a path (``-`` for stdin), or a Document a
    door already opened with ``translate.formats.open_document`` (to refuse bad input before
    a model is touched). ``settings`` (default: the translator's) say how to read it; the
    open ``translator`` is reused, so a server or a batch keeps one model and one cache.
    With a ``summarizer`` the result carries its summary (cached like the sentences).

    The translation memory is looked up in ``Translator.translate_sentences`` (before the
    cache), which every door goes through, batches and ``eval`` included.
    """
    from translate.formats import Document, open_document

    settings = settings or translator.settings
    if not isinstance(source, Document):
        source = open_document(source, label, settings.input_format, settings.encoding, settings.input_limits)
    result = translate_prepared([prepare_document(source)], translator)[0]
    if summarizer is not None:
        summarize_article(result, summarizer, translator.cache)
    return result


def translate_articles(sources: list[SourceText], translator: Translator) -> list[ArticleResult]:
    """Parse and translate several articles with shared model batches; results in input order."""
    return translate_prepared([prepare_article(source) for source in sources], translator)


def translate_article(source: SourceText, translator: Translator) -> ArticleResult:
    """Translate one article; see ``translate_articles``."""
    return translate_articles([source], translator)[0]


# ---------------------------------------------------------------------------- summaries

SUMMARY_KIND = "summary"
# Bump when the layout of a cached summary row changes (its value is JSON: text and details).
SUMMARY_ROW_VERSION = 2


@dataclass
class SummaryResult:
    """One summary and where it came from (``info`` is what JSON shows as ``summary_info``)."""

    text: str
    cached: bool
    info: dict
    seconds: float = 0.0
    model_load_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    details: SummaryDetails = field(default_factory=SummaryDetails)


def summary_source_text(result: ArticleResult) -> str:
    """The English a summary is made from: the translated blocks except meta and footer.

    For a structured document: its running text (headings, paragraphs, lists, tables,
    captions); translated attributes (alt text, meta descriptions) and a title that repeats
    another block (usually the first heading) are left out.
    """
    from translate.article import ATTRIBUTE, FOOTER, META, TITLE

    blocks = [block for block in result.article.blocks if block.kind not in (META, FOOTER, ATTRIBUTE)]
    others = {block.source for block in blocks if block.kind != TITLE}
    blocks = [block for block in blocks if not (block.kind == TITLE and block.source in others)]
    parts = [block.target.strip() for block in blocks if block.target]
    return "\n\n".join(part for part in parts if part)


def summary_key(text: str, summarizer) -> str:
    """Cache key of a summary: the text plus the summarizer's identity (model, style, prompt hash...)."""
    return make_key(SUMMARY_KIND, {"text": text, "summarizer": summarizer.identity(), "row": SUMMARY_ROW_VERSION})


def _summary_row(output: SummaryOutput) -> str:
    return json.dumps({"text": output.text, "chunks": output.chunks, "rounds": output.rounds, "flags": output.flags})


def _summary_from_row(value: str) -> SummaryOutput | None:
    try:
        row = json.loads(value)
        return SummaryOutput(str(row["text"]), int(row["chunks"]), int(row["rounds"]), [str(f) for f in row["flags"]])
    except (ValueError, TypeError, KeyError):
        return None  # a damaged row: summarize again


def summarize_text(text: str, summarizer, cache: Cache | NullCache | None = None) -> SummaryResult:
    """Summarize English ``text`` through the cache; the summarizer's model loads on a miss only."""
    started = time.perf_counter()
    cache = cache if cache is not None else NullCache()
    identity = summarizer.identity()
    key = summary_key(text, summarizer)
    info = {
        "style": identity.get("style"),
        "summarizer": identity.get("summarizer"),
        "model": identity.get("model"),
        "prompt": identity.get("prompt"),
        "cached": False,
        "chunks": 1,
        "flags": [],
    }
    outcome = SummaryResult("", False, info)
    if not text.strip():
        return outcome
    found = cache.get_many([key])
    output = _summary_from_row(found[key][0]) if key in found else None
    if output is not None:
        outcome.cached = info["cached"] = True
    else:
        load_before = summarizer.load_seconds
        output = summarizer.summarize(text)
        outcome.model_load_seconds = summarizer.load_seconds - load_before
        try:
            cache.put_many([(key, SUMMARY_KIND, _summary_row(output), list(output.flags))])
        except CacheError as error:
            outcome.warnings.append(
                f"could not write the summary to the cache at {error.path} ({error.reason}); it will be made "
                "again next time."
            )
    outcome.text = output.text
    outcome.details = SummaryDetails(chunks=output.chunks, rounds=output.rounds, flags=list(output.flags))
    info["flags"] = list(output.flags)
    info["chunks"] = output.chunks
    outcome.seconds = time.perf_counter() - started
    return outcome


def summarize_article(result: ArticleResult, summarizer, cache: Cache | NullCache | None = None) -> None:
    """Set ``result.summary`` (and ``summary_info``, timings) from the article's English.

    Cheap per article with one shared summarizer: a cached summary loads no model.
    """
    outcome = summarize_text(summary_source_text(result), summarizer, cache)
    result.summary = outcome.text
    result.summary_info = outcome.info
    result.timings["summarize_s"] = round(outcome.seconds - outcome.model_load_seconds, 4)
    result.timings["summary_model_load_s"] = round(outcome.model_load_seconds, 4)
    result.warnings.extend(outcome.warnings)
