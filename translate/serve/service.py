"""What the HTTP door calls: one model, one cache, one batching queue, for the whole process.

``Service`` wires the library together the way the command line does (a ``Translator``
with the cache in front), except that its cache misses go to the ``Batcher`` instead of
straight to the backend, so concurrent requests share model batches. Every method here
except ``start``/``close`` is synchronous and runs in a request's worker thread (never on
the event loop): the pipeline blocks there while the batcher works.

The SQLite connection is used only from the thread that opened it (``ThreadBoundCache``).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from translate.errors import InputError, UsageError
from translate.formats import FORMATS
from translate.serve.batcher import Batcher, BatchStats

log = logging.getLogger("nb2en.serve")

LANGUAGES = [
    {"code": "nb", "name": "Norwegian Bokmål", "targets": ["en"]},
    {"code": "no", "name": "Norwegian", "targets": ["en"]},
    {"code": "en", "name": "English", "targets": []},
]
SOURCE_CODES = ("nb", "no", "auto")
TARGET_CODES = ("en",)
# The extensions an upload may have: those the batch reads (``translate.formats.FORMATS``),
# by their last part (``x.nitf.xml`` is an ``.xml``) ...
UPLOAD_EXTENSIONS = tuple(
    dict.fromkeys(extension.rpartition(".")[2] for _, _, extensions, _ in FORMATS.values() for extension in extensions)
)
# ... and the media type of the English download in that format.
MEDIA_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "nitf": "application/xml",
    "odt": "application/vnd.oasis.opendocument.text",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "fodt": "application/vnd.oasis.opendocument.text-flat-xml",
    "fodp": "application/vnd.oasis.opendocument.presentation-flat-xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "srt": "application/x-subrip",
    "vtt": "text/vtt; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass
class ServeOptions:
    """Everything ``nb2en serve`` was started with, built once by the CLI (or a test)."""

    settings: Any  # translate.settings.Settings: model, decoding, cache, summary options (style = the default)
    api_keys: frozenset[str] = frozenset()
    char_limit: int | None = 100_000  # characters of text per request; None = no limit
    file_char_limit: int | None = 500_000  # characters of an uploaded file's text; None = no limit
    max_body_bytes: int = 10 * 1024 * 1024
    max_queue: int = 1024  # sentences waiting for the model
    max_batch_sentences: int = 64
    shared_batch_sentences: int = 16  # batch size while several requests wait (short waits)
    max_in_flight: int = 32  # requests doing work at once (worker threads); more get 429 at once
    max_batch_chars: int = 16_000
    max_wait_ms: float = 5.0
    max_queue_wait_s: float | None = 20.0  # expected wait (queue / measured rate) over this: 429
    body_timeout_s: float = 30.0  # a client that sends its body slower than this gets 408
    min_body_rate: float = 4096.0  # bytes per second a body must keep up after body_timeout_s
    header_timeout_s: float = 10.0  # a connection whose request headers take longer is closed
    stored_files: int = 64  # translated files kept for /download_file (oldest dropped first)
    drain_s: float = 10.0  # after SIGTERM: how long requests in flight may finish
    cors_origins: tuple[str, ...] = ("*",)  # origins allowed to call the API from a browser
    req_limit: int | None = None  # requests per client per minute; None = no limit
    metrics_key: str | None = None  # /metrics needs "Authorization: Bearer KEY" when set
    suggestions: bool = False  # /suggest accepts human translations (into ``memory``)
    memory: Any = None  # an object with ``add(q, s, source, target)``: where /suggest stores
    alternatives_limit: int = 3  # most ``alternatives`` one /translate may ask for
    max_piece_chars: int = 1000  # a text with no sentence boundary reaches the queue in pieces this long
    json_max_depth: int = 32  # deepest nesting of a JSON body


def read_api_keys(path: Path) -> frozenset[str]:
    """API keys from a file: one a line; blank lines and ``#`` comments ignored."""
    from translate.io import require_regular_file

    require_regular_file(path, "API key file")
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"Cannot read the API key file {path}: {error.strerror or error}.") from None
    keys = frozenset(line.strip() for line in lines if line.strip() and not line.strip().startswith("#"))
    if not keys:
        raise InputError(f"The API key file {path} has no keys. Put one key on each line.")
    return keys


class ThreadBoundCache:
    """The cache, opened in and used from one dedicated thread (sqlite3's rule), for any thread."""

    def __init__(self, open_cache: Callable[[], Any]):
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="nb2en-cache")
        self._cache = self._executor.submit(open_cache).result()
        self.enabled = self._cache.enabled
        self.path = self._cache.path

    def get_many(self, keys):
        return self._executor.submit(self._cache.get_many, keys).result()

    def put_many(self, rows) -> None:
        return self._executor.submit(self._cache.put_many, rows).result()

    def close(self) -> None:
        try:
            self._executor.submit(self._cache.close).result()
        finally:
            self._executor.shutdown(wait=True)


@dataclass
class StoredFile:
    filename: str
    media_type: str
    content: bytes


class FileStore:
    """Translated files waiting for ``/download_file``, in memory: bounded in count and bytes,
    oldest dropped first (the newest is always kept)."""

    def __init__(self, max_files: int, max_bytes: int = 256 * 1024 * 1024):
        self.max_files = max(1, max_files)
        self.max_bytes = max_bytes
        self._files: collections.OrderedDict[str, StoredFile] = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def put(self, stored: StoredFile) -> str:
        file_id = uuid.uuid4().hex
        with self._lock:
            self._files[file_id] = stored
            self._bytes += len(stored.content)
            while len(self._files) > 1 and (len(self._files) > self.max_files or self._bytes > self.max_bytes):
                _, dropped = self._files.popitem(last=False)
                self._bytes -= len(dropped.content)
        return file_id

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)


@dataclass
class Metrics:
    """Prometheus metrics in the app's own registry (so two apps in one process never clash)."""

    registry: Any = None
    requests: Any = None
    latency: Any = None
    sentences: Any = None
    cache_hits: Any = None
    cache_misses: Any = None
    batch_size: Any = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def create(cls, queue_depth: Callable[[], int]) -> Metrics:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        registry = CollectorRegistry()
        metrics = cls(
            registry=registry,
            requests=Counter("nb2en_requests", "HTTP requests answered", ["endpoint", "status"], registry=registry),
            latency=Histogram(
                "nb2en_request_seconds",
                "Time to answer a request",
                ["endpoint"],
                buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
                registry=registry,
            ),
            sentences=Counter("nb2en_sentences", "Sentences translated for requests (hits and misses)", registry=registry),
            cache_hits=Counter("nb2en_cache_hits", "Sentences answered from the cache", registry=registry),
            cache_misses=Counter("nb2en_cache_misses", "Sentences that needed the model", registry=registry),
            batch_size=Histogram(
                "nb2en_batch_sentences",
                "Sentences per model batch (after deduplication)",
                buckets=(1, 2, 4, 8, 16, 32, 64, 128),
                registry=registry,
            ),
        )
        depth = Gauge("nb2en_queue_depth", "Sentences waiting for the model", registry=registry)
        depth.set_function(lambda: float(queue_depth()))
        return metrics

    def count_article(self, hits: int, misses: int) -> None:
        self.sentences.inc(hits + misses)
        self.cache_hits.inc(hits)
        self.cache_misses.inc(misses)

    def on_batch(self, stats: BatchStats) -> None:
        self.batch_size.observe(stats.size)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class Service:
    """One model, one cache, one batching queue; the operations the HTTP endpoints call."""

    def __init__(self, options: ServeOptions):
        from translate.pipeline import Translator, open_cache

        self.options = options
        self.cache = ThreadBoundCache(lambda: open_cache(options.settings))
        try:
            self.translator = Translator(options.settings, cache=self.cache)
        except BaseException:
            self.cache.close()  # a model that cannot be found: no cache thread left behind
            raise
        self.batcher = Batcher(
            self.translator.translate_misses,
            max_queue=options.max_queue,
            max_batch_sentences=options.max_batch_sentences,
            max_batch_chars=options.max_batch_chars,
            max_wait_ms=options.max_wait_ms,
            max_queue_wait_s=options.max_queue_wait_s,
            shared_batch_sentences=options.shared_batch_sentences,
            on_batch=self._on_batch,
        )
        self.translator.translate_misses = BoundedPieces(self.batcher.blocking_misses(), options.max_piece_chars)
        # /v1/articles answers the JSON contract, which shows near misses from the memory.
        self.translator.near_misses = options.settings.use_memory
        self.metrics = Metrics.create(lambda: self.batcher.depth)
        self.files = FileStore(options.stored_files)
        self._summarizers: dict[str, Any] = {}
        self._summary_lock = threading.Lock()
        self.ready = asyncio.Event()
        self.load_error: BaseException | None = None
        self.draining = False  # SIGTERM received: new requests get 503

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start the queue's worker and load the model in the model thread."""
        self.batcher.start()
        try:
            await self.batcher.run_in_model_thread(self.translator.backend.ensure_loaded)
        except Exception as error:
            self.load_error = error
            raise
        self.ready.set()

    async def close(self) -> None:
        await self.batcher.close()
        self.cache.close()

    def begin_drain(self) -> None:
        """SIGTERM: new requests are refused (503); those in flight go on."""
        self.draining = True

    async def stop_work(self) -> None:
        """The drain is over: what still waits for the model fails (503); the model stops between batches."""
        self.draining = True
        await self.batcher.close()

    def _on_batch(self, stats: BatchStats) -> None:
        self.metrics.on_batch(stats)

    def model_info(self) -> dict:
        return self.translator.model_info()

    def public_model_id(self) -> str:
        """The model's id as anyone may see it: a hub id, or only the name of a local folder."""
        model_id = str(self.translator.model_info()["id"])
        return Path(model_id).name if Path(model_id).is_absolute() else model_id

    # ------------------------------------------------------------------ operations

    def translate_texts(self, texts: list[str]) -> list[str]:
        """Plain-text translation of each text (blank-line blocks and outer whitespace kept), in one shared run.

        A LibreTranslate text is not an NTB file: its first line is never taken for the
        metadata line (``Dato for møtet ...`` is translated like any sentence).
        """
        from translate.article import parse_plain_text

        articles = [parse_plain_text(text) for text in texts]
        counts = self.translator.translate_sentences([s for article in articles for s in article.sentences()])
        self.metrics.count_article(counts.hits, counts.misses)
        self.warnings_to_log()
        out = []
        for text, article in zip(texts, articles):
            core = "\n\n".join(block.target or "" for block in article.blocks)
            out.append(text[: len(text) - len(text.lstrip())] + core + text[len(text.rstrip()) :] if core else text)
        return out

    def warnings_to_log(self) -> None:
        for message in self.translator.take_warnings():
            log.warning("%s", message)

    def translate_html(self, fragments: list[str]) -> list[str]:
        """Translate HTML fragments as the HTML format does (``translate.formats.html``), in one shared run.

        Elements, attributes, comments and scripts are kept; inline markup (``<b>``) is
        placed on the English of its sentence; outer whitespace and blank fragments are kept.
        """
        from translate.formats import read_document, write_document
        from translate.pipeline import prepare_document, translate_prepared

        documents = {
            index: read_document(fragment.strip().encode("utf-8"), "q", fmt="html")
            for index, fragment in enumerate(fragments)
            if fragment.strip()
        }
        results = translate_prepared([prepare_document(document) for document in documents.values()], self.translator)
        self.metrics.count_article(sum(r.cache.hits for r in results), sum(r.cache.misses for r in results))
        for message in dict.fromkeys(warning for result in results for warning in result.warnings):
            log.warning("%s", message)
        out = []
        for index, fragment in enumerate(fragments):
            if index not in documents:
                out.append(fragment)
                continue
            english = write_document(documents[index]).decode("utf-8").strip()
            out.append(fragment[: len(fragment) - len(fragment.lstrip())] + english + fragment[len(fragment.rstrip()) :])
        return out

    def alternatives(self, texts: list[str], translated: list[str], count: int) -> list[list[str]]:
        """Up to ``count`` other English versions of each text, from the beam's n-best lists.

        Alternative k takes every sentence's (k+1)-th hypothesis (its best where the beam
        has fewer); sentences that pass through stay as they are. Versions equal to the
        translation or to an earlier alternative are left out (as LibreTranslate does).
        Runs in the model thread (one sentence a call, so other requests' batches go on in
        between), after the request's own translation.
        """
        from translate.article import parse_plain_text

        answers = []
        backend = self.translator.backend
        for text, english in zip(texts, translated):
            article = parse_plain_text(text)
            sentences = article.sentences()
            wanted = [s.source for s in sentences if s.translate]
            # One model-thread call per sentence: the queue's batches take turns with them.
            by_source = {
                source: self.batcher.model_thread_call(lambda source=source: backend.hypotheses(source, count + 1))
                for source in dict.fromkeys(wanted)
            }
            versions: list[str] = []
            for k in range(1, count + 1):
                blocks = []
                for block in article.blocks:
                    parts = []
                    for sentence in block.sentences:
                        options = by_source.get(sentence.source) if sentence.translate else None
                        parts.append((options[k] if k < len(options) else options[0]) if options else sentence.source)
                    blocks.append(" ".join(part for part in parts if part))
                version = "\n\n".join(blocks)
                if version and version != english and version not in versions:
                    versions.append(version)
            answers.append(versions)
        return answers

    def suggest(self, q: str, s: str, source: str, target: str) -> None:
        """A human translation for the translation memory (``options.memory``)."""
        memory = self.options.memory
        if memory is None:
            raise UsageError("Suggestions are disabled on this server.")
        memory.add(q, s, source, target)

    def detect(self, text: str) -> list[dict]:
        """LibreTranslate's detection answer: languages with confidence 0-100, best first."""
        from translate.language import language_confidences

        found = [(code, round(value * 100, 1)) for code, value in language_confidences(text)]
        found = [(code, value) for code, value in found if value > 0] or [("nb", 0.0)]
        return [{"language": code, "confidence": value} for code, value in found]

    def translate_document(
        self, data: bytes, label: str, *, summary: bool = False, style: str | None = None
    ):
        """An uploaded or pasted article through the one document path (``pipeline.translate_document``)."""
        from translate.pipeline import translate_document

        from translate.formats import open_document

        settings = self.options.settings
        document = open_document(data, label, settings.input_format, settings.encoding, settings.input_limits)
        limit = self.options.file_char_limit
        if limit is not None:
            count = sum(len(sentence.source) for sentence in document.article.sentences())
            if count > limit:
                raise UsageError(f"Invalid request: file text ({count}) exceeds text limit ({limit})")
        summarizer = None
        if summary:
            summarizer = OneAtATime(self.summarizer(style or self.options.settings.summary_style.value), self._summary_lock)
        result = translate_document(document, self.translator, settings=settings, label=label, summarizer=summarizer)
        self.metrics.count_article(result.cache.hits, result.cache.misses)
        return result

    def summarizer(self, style: str):
        """The summarizer for a style (built on first use; a bad name is a usage error)."""
        from translate.summarizers import create_summarizer

        with self._summary_lock:
            if style not in self._summarizers:
                settings = self.options.settings.replace(summary_style=style)
                self._summarizers[style] = create_summarizer(settings.summary_settings())
            return self._summarizers[style]

    def render_download(self, result, filename: str) -> StoredFile:
        """The English of a translated upload in the upload's own format."""
        from translate.formats import english_name
        from translate.render import render_output

        fmt = result.document.format if result.document is not None else "txt"
        content = render_output(result, "same", with_summary=False)  # the summary is in the JSON answer
        if isinstance(content, str):
            content = content.encode("utf-8")
        return StoredFile(english_name(Path(filename or "article.txt").name), MEDIA_TYPES[fmt], content)


class BoundedPieces:
    """The miss translator in front of the queue, with every text cut to ``max_chars``.

    A text with no sentence boundary (4 MB of letters) would be one queue item that holds
    the model for minutes; cut at the best clause boundaries (``faithful.split_to_fit``, by
    characters), its pieces take turns with other requests like sentences do. The pieces'
    English is joined as the command line joins a long sentence's parts (flagged ``split``).
    """

    def __init__(self, inner, max_chars: int):
        self.inner = inner
        self.max_chars = max(16, max_chars)

    def __call__(self, texts: list[str]):
        from translate.faithful import FLAG_SPLIT, Translation, split_to_fit

        def lengths(items: list[str]) -> list[int]:
            return [len(item) for item in items]

        pieces = [split_to_fit(text, lengths, self.max_chars) if len(text) > self.max_chars else [text] for text in texts]
        results = self.inner([piece for parts in pieces for piece in parts])
        joined, position = [], 0
        for parts in pieces:
            done = results[position : position + len(parts)]
            position += len(parts)
            if len(parts) == 1:
                joined.append(done[0])
                continue
            flags = sorted({flag for part in done for flag in part.flags} | {FLAG_SPLIT})
            joined.append(Translation(" ".join(part.target for part in done if part.target), flags))
        return joined

    @property
    def load_seconds(self) -> float:
        return getattr(self.inner, "load_seconds", 0.0)


class OneAtATime:
    """A summarizer shared by request threads: one summary model, so one ``summarize`` at a time
    (the cache lookup before it, and the translation, need no lock)."""

    def __init__(self, summarizer, lock: threading.Lock):
        self._summarizer = summarizer
        self._lock = lock

    def __getattr__(self, name: str):
        return getattr(self._summarizer, name)

    def summarize(self, text: str):
        with self._lock:
            return self._summarizer.summarize(text)


def check_language_pair(source: str, target: str) -> None:
    """LibreTranslate's answers for a language it does not offer (400)."""
    if source not in SOURCE_CODES:
        raise UsageError(f"{source} is not supported")
    if target not in TARGET_CODES:
        raise UsageError(f"{target} is not supported")
