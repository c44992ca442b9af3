"""Library API: articles in, result objects out. No printing, no exit codes.

Data flows one way: parse into blocks and sentences, look every sentence up in the
cache, send only the misses to the backend (deduplicated, in shared batches, across
articles when several are given), then fill the blocks back in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from translate import segment
from translate.article import Article, Sentence, parse_article
from translate.backends import BackendChoice, DecodingSettings, TranslationBackend, choose_backend, create_backend
from translate.cache import Cache, NullCache, make_key
from translate.errors import CacheError
from translate.faithful import translate_texts
from translate.io import SourceText
from translate.language import looks_norwegian
from translate.models import DEFAULT_TRANSLATION_MODEL, ModelRef, resolve_model

FLAG_PASSTHROUGH = "passthrough"
# Bump when translate.faithful changes what it returns for the same model output.
FAITHFUL_VERSION = "2"
# Sentences translated (and committed to the cache in one transaction) per chunk.
CACHE_WRITE_CHUNK = 256


@dataclass
class TranslationSettings:
    """Every option of a translation run, built once by the CLI (no module globals)."""

    model: str = DEFAULT_TRANSLATION_MODEL
    backend: str = "auto"
    device: str = "auto"
    beam_size: int = 4
    cache_dir: Path | None = None
    use_cache: bool = True
    repair: bool = True


@dataclass
class CacheCounts:
    hits: int = 0
    misses: int = 0

    def add(self, other: "CacheCounts") -> None:
        self.hits += other.hits
        self.misses += other.misses


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

    @property
    def flags(self) -> list[str]:
        return sorted({flag for s in self.article.sentences() for flag in s.flags if flag != FLAG_PASSTHROUGH})


def open_cache(settings: TranslationSettings) -> Cache | NullCache:
    return Cache(settings.cache_dir) if settings.use_cache else NullCache()


class BackendMisses:
    """The in-process miss translator: the backend (loaded on first use) plus faithfulness."""

    def __init__(self, backend: TranslationBackend, repair: bool = True):
        self.backend = backend
        self.repair = repair
        self.load_seconds = 0.0

    def __call__(self, texts: list[str]):
        if not self.backend._loaded:
            started = time.perf_counter()
            self.backend.ensure_loaded()
            self.load_seconds += time.perf_counter() - started
        return translate_texts(self.backend, texts, repair=self.repair)


class Translator:
    """A backend (loaded on first miss) behind the cache.

    ``translate_misses`` (texts in, one ``Translation`` each out) computes the cache misses;
    by default the backend in this process. The HTTP server swaps in its batching queue.
    """

    def __init__(self, settings: TranslationSettings, cache: Cache | NullCache | None = None, translate_misses=None):
        self.settings = settings
        self.model_ref: ModelRef = resolve_model(settings.model)
        self.choice: BackendChoice = choose_backend(settings.backend, settings.device, self.model_ref)
        self.backend: TranslationBackend = create_backend(
            self.model_ref,
            self.choice,
            DecodingSettings(beam_size=settings.beam_size),
            cache_dir=settings.cache_dir,
        )
        self.cache = cache if cache is not None else open_cache(settings)
        self.translate_misses = translate_misses or BackendMisses(self.backend, repair=settings.repair)
        self.warnings: list[str] = []
        self._cache_writable = True

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

    def sentence_key(self, text: str) -> str:
        return make_key(
            "sentence",
            {
                "text": text,
                "model": self.backend.identity(),
                "segmenter": segment.SEGMENTER_VERSION,
                "faithful": FAITHFUL_VERSION,
                "repair": self.settings.repair,
            },
        )

    def translate_sentences(self, sentences: list[Sentence]) -> CacheCounts:
        """Fill in ``target``, ``cached`` and ``flags`` of every sentence, model for misses only."""
        counts = CacheCounts()
        wanted = [s for s in sentences if s.translate]
        for s in sentences:
            if not s.translate:
                s.target, s.flags = s.source, [FLAG_PASSTHROUGH]
        keys = [self.sentence_key(s.source) for s in wanted]
        found = self.cache.get_many(keys)
        missing: dict[str, str] = {}
        for s, key in zip(wanted, keys):
            if key in found:
                s.target, s.flags = found[key][0], list(found[key][1])
                s.cached = True
                counts.hits += 1
            else:
                missing.setdefault(key, s.source)
                counts.misses += 1
        if missing:
            # Longest first, in chunks: each chunk's results are committed as soon as it is
            # done, so an interrupted run keeps what it finished.
            pending = sorted(missing.items(), key=lambda item: len(item[1]), reverse=True)
            by_key = {}
            for start in range(0, len(pending), CACHE_WRITE_CHUNK):
                chunk = pending[start : start + CACHE_WRITE_CHUNK]
                texts = [text for _, text in chunk]
                translations = self.translate_misses(texts)
                done = {key: t for (key, _), t in zip(chunk, translations)}
                by_key.update(done)
                self.store([(key, "sentence", t.target, t.flags) for key, t in done.items()])
            for s, key in zip(wanted, keys):
                if not s.cached:
                    s.target, s.flags = by_key[key].target, list(by_key[key].flags)
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


def prepare_article(source: SourceText) -> tuple[Article, list[str]]:
    """Parse a source into blocks and sentences; warn when it does not look Norwegian."""
    warnings = list(source.warnings)
    article = parse_article(source.text)
    if source.text.strip() and not looks_norwegian(source.text):
        warnings.append(f"{source.path} does not look like Norwegian; translating it anyway.")
    return article, warnings


def translate_articles(sources: list[SourceText], translator: Translator) -> list[ArticleResult]:
    """Translate several articles with shared model batches; results in input order."""
    started = time.perf_counter()
    prepared = [prepare_article(source) for source in sources]
    parsed = time.perf_counter()
    sentences = [s for article, _ in prepared for s in article.sentences()]
    load_before = translator.load_seconds
    translator.translate_sentences(sentences)
    finished = time.perf_counter()
    translator_warnings = translator.take_warnings()
    results = []
    for source, (article, warnings) in zip(sources, prepared):
        own = article.sentences()
        counts = CacheCounts(
            hits=sum(1 for s in own if s.translate and s.cached),
            misses=sum(1 for s in own if s.translate and not s.cached),
        )
        timings = {
            "parse_s": round(parsed - started, 4),
            "model_load_s": round(translator.load_seconds - load_before, 4),
            "translate_s": round(finished - parsed - (translator.load_seconds - load_before), 4),
            "total_s": round(finished - started, 4),
        }
        if len(sources) > 1:
            timings["shared_batch_articles"] = len(sources)
        results.append(
            ArticleResult(
                source, article, translator.model_info(), counts, timings, warnings=warnings + translator_warnings
            )
        )
    return results


def translate_article(source: SourceText, translator: Translator) -> ArticleResult:
    """Translate one article; see ``translate_articles``."""
    return translate_articles([source], translator)[0]


# ---------------------------------------------------------------------------- summaries

SUMMARY_KIND = "summary"


@dataclass
class SummaryResult:
    """One summary and where it came from (``info`` is what JSON shows as ``summary_info``)."""

    text: str
    cached: bool
    info: dict
    seconds: float = 0.0
    model_load_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def summary_source_text(result: ArticleResult) -> str:
    """The English a summary is made from: the translated blocks except meta and footer."""
    from translate.article import FOOTER, META

    parts = [block.target.strip() for block in result.article.blocks if block.kind not in (META, FOOTER) and block.target]
    return "\n\n".join(part for part in parts if part)


def summary_key(text: str, summarizer) -> str:
    """Cache key of a summary: the text plus the summarizer's identity (model, style, prompt hash...)."""
    return make_key(SUMMARY_KIND, {"text": text, "summarizer": summarizer.identity()})


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
    if key in found:
        outcome.text, stored = found[key][0], found[key][1]
        outcome.cached = info["cached"] = True
    else:
        load_before = summarizer.load_seconds
        outcome.text = summarizer.summarize(text)
        outcome.model_load_seconds = summarizer.load_seconds - load_before
        details = summarizer.details
        stored = list(details.flags) + ([f"chunks:{details.chunks}"] if details.chunks > 1 else [])
        try:
            cache.put_many([(key, SUMMARY_KIND, outcome.text, stored)])
        except CacheError as error:
            outcome.warnings.append(
                f"could not write the summary to the cache at {error.path} ({error.reason}); it will be made "
                "again next time."
            )
    info["flags"] = [flag for flag in stored if not flag.startswith("chunks:")]
    info["chunks"] = next((int(flag.split(":", 1)[1]) for flag in stored if flag.startswith("chunks:")), 1)
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
