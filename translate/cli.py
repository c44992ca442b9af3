"""The ``nb2en`` command line: Typer only. Parses options, calls the library, renders,
and maps errors to exit codes (0 ok, 1 the work failed, 2 bad usage or input, 130 interrupted)."""

from __future__ import annotations

import functools
import inspect
import os
import sys
import threading
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from translate.errors import Nb2enError
from translate.evaluate import ReportFormat
from translate.settings import (
    MAX_BEAM_SIZE,
    Backend,
    Device,
    InlineAlignment,
    InputFormat,
    OutputFormat,
    Settings,
    Summarizer,
    SummaryFormat,
    SummaryStyle,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# Plain (click) help and usage errors: typer's rich formatting imports ~150 ms of rich
# modules on every `--help`, which would double the time `nb2en --help` takes to answer.
PLAIN_HELP = {"rich_markup_mode": None}
app = typer.Typer(
    help="Translate Norwegian news articles into faithful English, summarize them, and batch whole folders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    **PLAIN_HELP,
)
cache_app = typer.Typer(help="Inspect or clear the translation cache.", no_args_is_help=True, **PLAIN_HELP)
models_app = typer.Typer(help="List, download, check and convert models.", no_args_is_help=True, **PLAIN_HELP)
app.add_typer(cache_app, name="cache")
app.add_typer(models_app, name="models")

PathArg = Annotated[str, typer.Argument(help="Article file, or - for standard input.", show_default=False)]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Marian model: hub id or local directory.")]
BackendOpt = Annotated[Backend, typer.Option("--backend", help="Translation backend (auto: ctranslate2 where it can run).")]
DeviceOpt = Annotated[Device, typer.Option("--device", help="Where models run (auto: cuda if available).")]
BeamOpt = Annotated[int, typer.Option("--beam-size", min=1, max=MAX_BEAM_SIZE, help="Beam size for decoding.")]
CacheDirOpt = Annotated[
    Optional[Path], typer.Option("--cache-dir", help="Cache folder (default: $NB2EN_CACHE_DIR, else the default cache folder).")
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
EncodingOpt = Annotated[
    Optional[str], typer.Option("--encoding", help="Input encoding (default: UTF-8, falling back to cp1252 with a warning).")
]
GlossaryOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--glossary",
        help="UTF-8 TSV of Norwegian<TAB>English terms that must come out as given (English = Norwegian: keep as is).",
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]
InputLimitOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--input-limit",
        metavar="NAME=VALUE",
        help="Raise (or lower) an input limit, repeatable: file-mb, document-mb, zip-total-mb, zip-ratio, zip-parts, "
        "depth (default: $NB2EN_INPUT_LIMITS, else 256, 64, 256, 400, 10000, 256).",
    ),
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format: same (the input's own: HTML in, HTML out), text, markdown or json."),
]
FromOpt = Annotated[
    Optional[InputFormat],
    typer.Option("--from", help="Read the input as this format (default: from its content and extension)."),
]
InlineAlignmentOpt = Annotated[
    InlineAlignment,
    typer.Option(
        "--inline-alignment",
        help="Placing links/bold/runs on the English where their words are not found: position, or attention (the model's).",
    ),
]
SummaryOpt = Annotated[bool, typer.Option("--summary", help="Add an English summary (see `nb2en summarize`).")]
StyleOpt = Annotated[
    SummaryStyle, typer.Option("--style", help="Summary style: short (2-3 sentences), headline (one line) or bullets (3-5).")
]
SummarizerOpt = Annotated[
    Summarizer,
    typer.Option(
        "--summarizer",
        help="abstractive (a model driven by a prompt from prompts/) or extractive (sentences of the translation, no model).",
    ),
]
SummaryModelOpt = Annotated[
    Optional[str],
    typer.Option(
        "--summary-model",
        help="Abstractive summary model: a seq2seq or chat model, hub id or local directory (default: google/flan-t5-large).",
    ),
]


def _option(name: str, annotation, default) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


# The one definition of the options shared by translate, summarize and batch (and the
# doors to come): each command lists the groups it takes; ``with_options`` adds them to its
# signature and hands them to the command body as one dict, ``shared``.
TRANSLATION_OPTIONS = [
    _option("model", ModelOpt, None),
    _option("backend", BackendOpt, Backend.auto),
    _option("device", DeviceOpt, Device.auto),
    _option("beam_size", BeamOpt, 4),
    _option("cache_dir", CacheDirOpt, None),
    _option("no_cache", NoCacheOpt, False),
    _option("encoding", EncodingOpt, None),
    _option("input_format", FromOpt, None),
    _option("inline_alignment", InlineAlignmentOpt, InlineAlignment.position),
    _option("glossary", GlossaryOpt, None),
    _option("input_limit", InputLimitOpt, None),
]
SUMMARY_OPTIONS = [
    _option("style", StyleOpt, SummaryStyle.short),
    _option("summarizer", SummarizerOpt, Summarizer.abstractive),
    _option("summary_model", SummaryModelOpt, None),
]
DEBUG_OPTION = [_option("debug", DebugOpt, False)]
# Where the model runs in `batch`: the engine and, for --engine ray, the actor pool.
EngineOpt = Annotated[
    str, typer.Option("--engine", help="Who runs the model: local (this process) or ray (Ray actors; see docs/scaling.md).")
]
RayAddressOpt = Annotated[
    Optional[str],
    typer.Option("--ray-address", help="With --engine ray: the cluster, host:port or ray://host:10001 (default: $RAY_ADDRESS, else a local Ray)."),
]
ActorsOpt = Annotated[
    Optional[int], typer.Option("--actors", min=1, help="With --engine ray: model copies (default: as many as the CPUs or GPUs allow).")
]
CpusPerActorOpt = Annotated[
    float, typer.Option("--cpus-per-actor", min=0.01, help="With --engine ray: CPUs per actor (also its thread count).")
]
GpusPerActorOpt = Annotated[
    float, typer.Option("--gpus-per-actor", min=0.0, help="With --engine ray: GPUs per actor; 1 = one actor per GPU (implies --device cuda).")
]
ENGINE_OPTIONS = [
    _option("engine", EngineOpt, "local"),
    _option("ray_address", RayAddressOpt, None),
    _option("actors", ActorsOpt, None),
    _option("cpus_per_actor", CpusPerActorOpt, 1.0),
    _option("gpus_per_actor", GpusPerActorOpt, 0.0),
]


def with_options(*groups: list[inspect.Parameter]):
    """Add the shared option groups to a command; the body gets them as ``shared`` (a dict)."""
    added = [param for group in groups for param in group]
    names = [param.name for param in added]

    def decorate(func):
        own = [p for p in inspect.signature(func, eval_str=True).parameters.values() if p.name != "shared"]

        @functools.wraps(func)
        def command(**kwargs):
            shared = {name: kwargs.pop(name) for name in names}
            return func(shared=shared, **kwargs)

        command.__signature__ = inspect.Signature(own + added)
        del command.__wrapped__  # typer must read the signature above, not the body's
        return command

    return decorate


def build_settings(shared: dict, fmt: OutputFormat | str = OutputFormat.text, summary: bool = False) -> Settings:
    """The one Settings object of a command, from its shared options."""
    return Settings(
        model=shared.get("model"),
        backend=shared.get("backend", Backend.auto),
        device=shared.get("device", Device.auto),
        beam_size=shared.get("beam_size", 4),
        cache_dir=shared.get("cache_dir"),
        use_cache=not shared.get("no_cache", False),
        encoding=shared.get("encoding"),
        input_format=shared.get("input_format"),
        inline_alignment=shared.get("inline_alignment", InlineAlignment.position),
        glossary=shared.get("glossary"),
        output_format=fmt,
        summary=summary,
        summary_style=shared.get("style", SummaryStyle.short),
        summarizer=shared.get("summarizer", Summarizer.abstractive),
        summary_model=shared.get("summary_model"),
        input_limits=shared.get("input_limit"),
    )


def fail(message: str, code: int) -> None:
    typer.echo(f"nb2en: {message}", err=True)
    raise typer.Exit(code)


def run_guarded(debug: bool, work: Callable[[], int | None]) -> None:
    """Run a command body; turn errors into one-line messages and exit codes."""
    try:
        code = work() or EXIT_OK
    except typer.Exit:
        raise
    except Nb2enError as error:
        if debug:
            raise
        fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        typer.echo("nb2en: interrupted.", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback without --debug
        if debug:
            raise
        fail(f"unexpected error: {type(error).__name__}: {error}. Re-run with --debug for details.", EXIT_FAILED)
    else:
        raise typer.Exit(code)


def warn(message: str) -> None:
    typer.echo(f"nb2en: warning: {message}", err=True)


def build_summarizer(settings: Settings):
    """The summarizer the settings name, built before any translation so a bad option fails fast."""
    from translate.summarizers import create_summarizer

    return create_summarizer(settings.summary_settings())


def warn_unused_summary_model(settings: Settings, shared: dict) -> None:
    if settings.summarizer is Summarizer.extractive and shared.get("summary_model"):
        warn("--summary-model is ignored with --summarizer extractive.")


def optional_summarizer(settings: Settings, shared: dict):
    """The summarizer when ``--summary`` is given; a warning when summary options are given without it."""
    if settings.summary:
        warn_unused_summary_model(settings, shared)
        return build_summarizer(settings)
    if (
        shared.get("style") is not SummaryStyle.short
        or shared.get("summarizer") is not Summarizer.abstractive
        or shared.get("summary_model")
    ):
        warn("--style, --summarizer and --summary-model have no effect without --summary.")
    return None


def check_output(path: str, output: Optional[Path]) -> None:
    """Refuse, before any work, an output that is a folder, cannot be written, or is the input."""
    if output is None:
        return
    from translate.errors import OutputError, SameFileError

    from translate.io import require_regular_output

    require_regular_output(output)  # a device, FIFO or socket is never replaced (as root neither)
    if output.is_dir():
        raise OutputError(f"Cannot write {output}: it is a folder. Pass a file path to -o, or leave -o out to print to stdout.")
    if path != "-" and output.exists():
        try:
            same = os.path.samefile(path, output)
        except OSError:
            same = False
        if same:
            raise SameFileError(
                f"The output {output} is the input file; writing it would replace the Norwegian source. "
                "Choose another output path."
            )
    folder = output.parent if str(output.parent) else Path(".")
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # write_atomic creates the missing folders: check the nearest existing one
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise OutputError(f"Cannot write {output}: permission denied. Choose a writable output path.")


def read_article(path: str, input_format: InputFormat | None = None, encoding: str | None = None, limits=None):
    """The input read once in its format (``--from``, else detected): a ``translate.formats.Document``."""
    from translate.formats import limits as input_limits
    from translate.formats import read_document
    from translate.io import read_input

    with input_limits.using(limits):
        return read_document(read_input(path), path, input_format, encoding)


def check_binary_output(path: str, document, settings: Settings, output: Optional[Path]) -> None:
    """A DOCX comes back as a DOCX: binary, so it needs -o (never written to a terminal)."""
    from translate.errors import UsageError

    if document.binary and settings.output_format is OutputFormat.same and output is None:
        raise UsageError(
            f"{path} is a .docx, so its English is a .docx too (binary). Pass -o FILE.docx, "
            "or --format text, markdown or json to print it."
        )


def translate_one(path: str, settings: Settings, summarizer=None, output: Optional[Path] = None):
    """Read, translate and (with a summarizer) summarize one article; print its warnings."""
    from translate.pipeline import Translator, prepare_document, summarize_article, translate_prepared

    document = read_article(path, settings.input_format, settings.encoding, settings.input_limits)
    check_binary_output(path, document, settings, output)
    with Translator(settings) as translator:
        result = translate_prepared([prepare_document(document)], translator)[0]
        if summarizer is not None:
            summarize_article(result, summarizer, translator.cache)
    for message in result.warnings:
        warn(message)
    return result


def emit(content: str | bytes, output: Optional[Path]) -> None:
    if output is None:
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(content)
            sys.stdout.flush()
        return
    from translate.io import write_atomic

    write_atomic(output, content)


@app.command()
@with_options(TRANSLATION_OPTIONS, SUMMARY_OPTIONS, DEBUG_OPTION)
def translate(
    path: PathArg,
    shared: dict,
    output: OutputOpt = None,
    fmt: FormatOpt = OutputFormat.same,
    summary: SummaryOpt = False,
) -> None:
    """Translate one Norwegian article (text, HTML, Markdown, DOCX or NITF) into English, in its own format."""

    def work() -> int:
        from translate.render import render_output, writes_own_format

        check_output(path, output)
        settings = build_settings(shared, fmt, summary)
        chosen_summarizer = optional_summarizer(settings, shared)
        result = translate_one(path, settings, chosen_summarizer, output)
        if result.summary and writes_own_format(result, settings.output_format):
            warn("the summary is not written into the document; use --format json, text or markdown to see it.")
        emit(render_output(result, settings.output_format), output)
        return EXIT_OK

    run_guarded(shared["debug"], work)


@app.command()
@with_options(SUMMARY_OPTIONS, TRANSLATION_OPTIONS, DEBUG_OPTION)
def summarize(
    path: PathArg,
    shared: dict,
    output: OutputOpt = None,
    fmt: Annotated[
        SummaryFormat, typer.Option("--format", "-f", help="text (the summary only) or json (the translate JSON with its summary).")
    ] = SummaryFormat.text,
) -> None:
    """Translate one Norwegian article (through the cache) and print a short English summary."""

    def work() -> int:
        from translate.render import render_json, render_summary

        check_output(path, output)
        settings = build_settings(shared, OutputFormat.json if fmt is SummaryFormat.json else OutputFormat.text, True)
        warn_unused_summary_model(settings, shared)
        chosen_summarizer = build_summarizer(settings)
        result = translate_one(path, settings, chosen_summarizer)
        emit(render_json(result) if fmt is SummaryFormat.json else render_summary(result), output)
        return EXIT_OK

    run_guarded(shared["debug"], work)


@app.command()
def split(
    path: PathArg,
    encoding: EncodingOpt = None,
    input_format: FromOpt = None,
    input_limit: InputLimitOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Print the article one sentence per line, with a blank line between blocks (any format)."""

    def work() -> int:
        from translate.article import render_sentences
        from translate.formats.limits import resolve

        document = read_article(path, input_format, encoding, resolve(input_limit))
        for message in document.source.warnings:
            warn(message)
        sys.stdout.write(render_sentences(document.article))
        return EXIT_OK

    run_guarded(debug, work)


@app.command()
@with_options(TRANSLATION_OPTIONS, SUMMARY_OPTIONS, ENGINE_OPTIONS, DEBUG_OPTION)
def batch(
    in_dir: Annotated[Path, typer.Argument(help="Folder of Norwegian articles (searched recursively).", show_default=False)],
    out_dir: Annotated[Path, typer.Argument(help="Output folder; mirrors IN_DIR (a/b.html -> a/b.en.html).", show_default=False)],
    shared: dict,
    pattern: Annotated[
        Optional[str],
        typer.Option("--pattern", help="Glob relative to IN_DIR for the articles (default: every supported format; must stay inside IN_DIR)."),
    ] = None,
    fmt: FormatOpt = OutputFormat.same,
    force: Annotated[bool, typer.Option("--force", help="Redo files whose output is already up to date.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output; a line at the end only if something failed.")] = False,
    window_sentences: Annotated[
        Optional[int],
        typer.Option(
            "--window-sentences",
            min=1,
            help="Sentences of several articles translated together (default: 256; with --engine ray, enough for every actor).",
        ),
    ] = None,
    summary: SummaryOpt = False,
) -> None:
    """Translate a folder of articles into OUT_DIR: resumable, with a report (exit 1 if any file failed)."""

    def work() -> int:
        from translate.batch import BatchOptions, create_engine, run_batch
        from translate.pipeline import Translator, summarize_article
        from translate.progress import choose_progress

        engine = shared["engine"]
        settings = build_settings(shared, fmt, summary)
        engine_options, settings, window = engine_choices(engine, shared, settings, window_sentences)
        chosen_summarizer = optional_summarizer(settings, shared)
        options = BatchOptions(in_dir, out_dir, pattern=pattern, force=force, window_sentences=window, engine=engine)
        progress = choose_progress(quiet)
        with StopOnSignals(progress.note) as signals, Translator(settings) as translator:
            summarize = None
            if chosen_summarizer is not None:
                summarize = lambda result: summarize_article(result, chosen_summarizer, translator.cache)  # noqa: E731
            with create_engine(engine, translator, **engine_options) as batch_engine:
                outcome = run_batch(
                    options,
                    translator,
                    progress,
                    stop=signals.stop,
                    summarize=summarize,
                    summary_identity=chosen_summarizer.identity() if chosen_summarizer is not None else None,
                    engine=batch_engine,
                )
        if outcome.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if outcome.failed else EXIT_OK

    run_guarded(shared["debug"], work)


def engine_choices(engine: str, shared: dict, settings: Settings, window_sentences: int | None):
    """The engine's options, the settings as the engine runs them, and the window size.

    Ray options without ``--engine ray`` are a usage error rather than silently ignored.
    """
    from translate.batch import DEFAULT_WINDOW_SENTENCES
    from translate.errors import UsageError

    ray_options = {
        "address": shared["ray_address"],
        "actors": shared["actors"],
        "cpus_per_actor": shared["cpus_per_actor"],
        "gpus_per_actor": shared["gpus_per_actor"],
    }
    if engine != "ray":
        given = [
            "--" + param.name.replace("_", "-")
            for param in ENGINE_OPTIONS
            if param.name != "engine" and shared[param.name] != param.default
        ]
        if given:
            raise UsageError(f"{', '.join(given)} only apply with --engine ray.")
        return {}, settings, window_sentences or DEFAULT_WINDOW_SENTENCES
    from translate.batch.engines.ray import default_window_sentences, settings_for_ray

    settings = settings_for_ray(settings, ray_options["gpus_per_actor"])
    window = window_sentences or default_window_sentences(ray_options["actors"], ray_options["gpus_per_actor"])
    return ray_options, settings, window


class StopOnSignals:
    """Ctrl-C / SIGTERM for a batch run (the CLI installs it around ``run_batch``).

    The first signal asks the run to stop: no new file is started, the window being
    translated is finished and written. A second signal abandons that window at once
    (``KeyboardInterrupt``; nothing half-written stays behind). Use as a context manager;
    the previous handlers are restored on exit. ``stop`` is what ``run_batch`` polls.
    """

    def __init__(self, notify: Callable[[str], None] | None = None):
        self.event = threading.Event()
        self.notify = notify or (lambda message: None)
        self._previous: dict = {}

    def stop(self) -> bool:
        return self.event.is_set()

    def _handle(self, signum, frame) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()
        self.notify("stopping: finishing the files being translated now (press Ctrl-C again to abandon them)")

    def __enter__(self) -> "StopOnSignals":
        import signal

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()


@app.command()
@with_options(TRANSLATION_OPTIONS, SUMMARY_OPTIONS, DEBUG_OPTION)
def serve(
    shared: dict,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default; 0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 5000,
    api_keys: Annotated[
        Optional[Path], typer.Option("--api-keys", help="File of API keys, one a line: requests must carry one (api_key).")
    ] = None,
    char_limit: Annotated[
        Optional[int], typer.Option("--char-limit", min=1, help="Most characters one request may ask to translate (400 above).")
    ] = None,
    max_body_mb: Annotated[
        float, typer.Option("--max-body-mb", min=0.001, help="Largest request body in MiB (413 above, refused before it is read).")
    ] = 10.0,
    max_queue: Annotated[
        int, typer.Option("--max-queue", min=1, help="Most sentences waiting for the model; a request that does not fit gets 429.")
    ] = 1024,
    batch_wait_ms: Annotated[
        float, typer.Option("--batch-wait-ms", min=0, help="How long the queue waits for more requests to share a model batch.")
    ] = 5.0,
    forwarded_allow_ips: Annotated[
        Optional[str],
        typer.Option("--forwarded-allow-ips", help="Proxies whose X-Forwarded-* headers are trusted (comma-separated; default 127.0.0.1)."),
    ] = None,
    root_path: Annotated[
        str, typer.Option("--root-path", help="Path prefix the server is mounted under behind a proxy (e.g. /nb2en).")
    ] = "",
) -> None:
    """Serve the LibreTranslate API, nb2en's own endpoints and a page at / (one model, batched requests).

    --style is the page's default summary style; a request may ask for another.
    """

    def work() -> int:
        from translate.serve.server import serve as run_server
        from translate.serve.service import ServeOptions, Service, read_api_keys

        settings = build_settings(shared)
        warn_unused_summary_model(settings, shared)
        options = ServeOptions(
            settings=settings,
            api_keys=read_api_keys(api_keys) if api_keys else frozenset(),
            char_limit=char_limit,
            max_body_bytes=int(max_body_mb * 1024 * 1024),
            max_queue=max_queue,
            max_wait_ms=batch_wait_ms,
        )
        run_server(
            Service(options),
            host=host,
            port=port,
            forwarded_allow_ips=forwarded_allow_ips,
            root_path=root_path,
            log_level="debug" if shared["debug"] else "info",
        )
        return EXIT_OK

    run_guarded(shared["debug"], work)


@cache_app.command("path")
def cache_path(cache_dir: CacheDirOpt = None) -> None:
    """Print where the cache database lives (honours --cache-dir and $NB2EN_CACHE_DIR)."""
    from translate.cache import cache_db_path

    typer.echo(str(cache_db_path(cache_dir)))


@cache_app.command("stats")
def cache_stats(
    cache_dir: CacheDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Entries and size of the cache (a missing cache is reported empty, not created)."""

    def work() -> int:
        import json

        from translate.cache import cache_stats as read_stats

        stats = read_stats(cache_dir)
        if as_json:
            typer.echo(json.dumps(stats, indent=2))
        else:
            typer.echo(f"path: {stats['path']}" + ("" if stats["exists"] else " (not created yet)"))
            typer.echo(f"entries: {stats['entries']}")
            for kind, count in sorted(stats["by_kind"].items()):
                typer.echo(f"  {kind}: {count}")
            typer.echo(f"size: {stats['size_bytes']} bytes")
        return EXIT_OK

    run_guarded(debug, work)


@cache_app.command("clear")
def cache_clear(
    cache_dir: CacheDirOpt = None,
    models: Annotated[bool, typer.Option("--models", help="Also delete converted CTranslate2 models.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Delete the cache database (works on a corrupt one too)."""

    def work() -> int:
        from translate.cache import clear_cache, resolve_cache_dir
        from translate.errors import Nb2enError

        try:
            removed = clear_cache(cache_dir, models=models)
        except OSError as error:
            raise Nb2enError(
                f"Could not delete the cache in {resolve_cache_dir(cache_dir)} ({error.strerror or error}). "
                "Check the folder's permissions, or delete it by hand."
            ) from None
        typer.echo(f"Cleared {len(removed)} file(s) in {resolve_cache_dir(cache_dir)}.")
        return EXIT_OK

    run_guarded(debug, work)


@models_app.command("list")
def models_list() -> None:
    """The default models and whether each is available offline."""
    from translate.models import KNOWN_MODELS, cached_location

    for model_id, description in KNOWN_MODELS.items():
        location = cached_location(model_id)
        state = f"available at {location}" if location else "not downloaded (run `nb2en models download`)"
        typer.echo(f"{model_id}\n  {description}\n  {state}")


@models_app.command("download")
def models_download(
    model_ids: Annotated[Optional[list[str]], typer.Argument(help="Hub ids (default: the default models).")] = None,
    debug: DebugOpt = False,
) -> None:
    """Fetch models into the Hugging Face cache ahead of time (needs internet)."""

    def work() -> int:
        from translate.models import DEFAULT_SUMMARY_MODEL, DEFAULT_TRANSLATION_MODEL, download_model

        for model_id in model_ids or [DEFAULT_TRANSLATION_MODEL, DEFAULT_SUMMARY_MODEL]:
            typer.echo(f"Downloading {model_id} ...", err=True)
            typer.echo(f"{model_id}: {download_model(model_id)}")
        return EXIT_OK

    run_guarded(debug, work)


@models_app.command("check")
def models_check(
    model: ModelOpt = None,
    backend: BackendOpt = Backend.auto,
    device: DeviceOpt = Device.auto,
    cache_dir: CacheDirOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Translate fixed sentences and verify the English, to trust a model after an upgrade."""

    def work() -> int:
        from translate.modelcheck import run_model_check
        from translate.pipeline import Translator

        settings = Settings(model=model, backend=backend, device=device, cache_dir=cache_dir, use_cache=False)
        with Translator(settings) as translator:
            report = run_model_check(translator)
        for line in report.lines():
            typer.echo(line)
        if not report.passed:
            fail(report.failure_message(), EXIT_FAILED)
        return EXIT_OK

    run_guarded(debug, work)


@models_app.command("convert")
def models_convert(
    model: ModelOpt = None,
    device: DeviceOpt = Device.auto,
    cache_dir: CacheDirOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Convert a Marian model to CTranslate2 once, into the cache folder."""

    def work() -> int:
        from translate.pipeline import Translator

        settings = Settings(model=model, backend=Backend.ctranslate2, device=device, cache_dir=cache_dir, use_cache=False)
        with Translator(settings) as translator:
            typer.echo(str(translator.backend.ensure_converted()))
        return EXIT_OK

    run_guarded(debug, work)


# ---------------------------------------------------------------------------- eval

# Translation options that change how inputs are read or how fast, not the English:
# `--compare` refuses them (configuration B differs from A in what it outputs).
NOT_COMPARED = ("cache_dir", "no_cache", "encoding")


def compared_options() -> dict[str, str]:
    """The options `--compare` may change (name -> flag): the shared translation options that change the English."""
    return {p.name: "--" + p.name.replace("_", "-") for p in TRANSLATION_OPTIONS if p.name not in NOT_COMPARED}


def given_on_command_line(ctx: typer.Context, names) -> list[str]:
    return [name for name in names if getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"]


def parse_compare(ctx: typer.Context, text: str) -> dict:
    """The translation options in ``--compare '...'``, parsed by this very command's option definitions."""
    import shlex

    # Click's usage-error base, whichever click typer uses (recent typer vendors its own copy).
    click_error = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")
    from translate.errors import UsageError

    allowed = compared_options()
    example = "e.g. --compare '--beam-size 1' or --compare '--backend transformers'"
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise UsageError(f"--compare '{text}' cannot be parsed ({error}). Quote it as one string, {example}.") from None
    if not tokens:
        raise UsageError(f"--compare needs the translation options of the second configuration, {example}.")
    try:
        parsed = ctx.command.make_context("nb2en eval --compare", ["SRC", "REF", *tokens], parent=ctx.parent)
    except click_error as error:
        raise UsageError(f"--compare '{text}': {error.format_message()} ({example}).") from None
    given = given_on_command_line(parsed, [name for name in parsed.params if name not in ("src", "ref")])
    others = sorted(set(given) - set(allowed))
    if others:
        raise UsageError(
            f"--compare takes the options that change the English only ({', '.join(allowed.values())}), not "
            f"{', '.join('--' + name.replace('_', '-') for name in others)}."
        )
    return {name: parsed.params[name] for name in given}


@app.command("eval")
@with_options(TRANSLATION_OPTIONS, DEBUG_OPTION)
def eval_(
    ctx: typer.Context,
    src: Annotated[str, typer.Argument(metavar="SRC", help="Norwegian source: one segment a line, UTF-8 (e.g. FLORES-200 nob_Latn.devtest).", show_default=False)],
    ref: Annotated[str, typer.Argument(metavar="REF", help="English reference, line-aligned with SRC (e.g. eng_Latn.devtest).", show_default=False)],
    shared: dict,
    hyp: Annotated[Optional[Path], typer.Option("--hyp", help="Score this English (line-aligned) instead of translating SRC; loads no model.")] = None,
    hyp_out: Annotated[Optional[Path], typer.Option("--hyp-out", help="Keep the English translated from SRC here, one line per SRC line.")] = None,
    compare: Annotated[
        Optional[str],
        typer.Option(
            "--compare",
            metavar="OPTIONS",
            help="A second configuration B: the translation options that differ from the main ones (A), as one quoted "
            "string, e.g. --compare '--beam-size 1'. Prints both scores and sacrebleu's paired bootstrap p-values.",
        ),
    ] = None,
    compare_hyp: Annotated[Optional[Path], typer.Option("--compare-hyp", help="English of configuration B, given instead of translated.")] = None,
    compare_hyp_out: Annotated[Optional[Path], typer.Option("--compare-hyp-out", help="Keep configuration B's English here.")] = None,
    bootstrap_samples: Annotated[int, typer.Option("--bootstrap-samples", min=10, help="Resamples for the paired bootstrap test.")] = 1000,
    details: Annotated[Optional[Path], typer.Option("--details", help="Write one JSON line per segment (chrF, flags), worst first.")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.text,
    output: OutputOpt = None,
    comet_model: Annotated[
        Optional[str], typer.Option("--comet-model", help="COMET model: hub id in the local cache or a local folder/.ckpt (default: Unbabel/wmt22-comet-da). Never downloaded.")
    ] = None,
    comet_python: Annotated[
        Optional[str],
        typer.Option(
            "--comet-python",
            envvar="NB2EN_COMET_PYTHON",
            help="Python of a separate environment with unbabel-comet (it cannot share nb2en's: it pins transformers<5).",
        ),
    ] = None,
    no_comet: Annotated[bool, typer.Option("--no-comet", help="Skip COMET even where it is available.")] = False,
) -> None:
    """Score translations of line-aligned parallel text: BLEU, chrF, chrF++, TER (sacrebleu), COMET if local."""

    def work() -> int:
        from contextlib import ExitStack

        from translate import evaluate
        from translate.errors import UsageError
        from translate.pipeline import Translator

        if hyp is not None and hyp_out is not None:
            raise UsageError("--hyp-out keeps translated English, but with --hyp nothing is translated. Drop one of them.")
        if compare is not None and compare_hyp is not None:
            raise UsageError("Give configuration B either as --compare OPTIONS or as --compare-hyp FILE, not both.")
        if compare_hyp_out is not None and compare is None:
            raise UsageError("--compare-hyp-out needs --compare OPTIONS (the configuration whose English it keeps).")
        settings = build_settings(shared)
        # Every input is read and checked before any model is touched.
        sources = evaluate.read_lines(src, settings.encoding, "SRC")
        references = evaluate.read_lines(ref, settings.encoding, "REF")
        counts = {"SRC": len(sources), "REF": len(references)}
        given = evaluate.read_lines(hyp, settings.encoding, "--hyp") if hyp is not None else None
        compare_given = (
            evaluate.read_lines(compare_hyp, settings.encoding, "--compare-hyp") if compare_hyp is not None else None
        )
        counts |= {"--hyp": len(given)} if given is not None else {}
        counts |= {"--compare-hyp": len(compare_given)} if compare_given is not None else {}
        evaluate.check_aligned(counts)
        compare_settings = build_settings({**shared, **parse_compare(ctx, compare)}) if compare is not None else None
        if compare_settings == settings:
            raise UsageError(f"--compare '{compare}' is the same configuration as the main options. Change at least one.")
        if given is not None and compare_settings is None:
            unused = given_on_command_line(ctx, [*compared_options(), "cache_dir", "no_cache"])
            if unused:
                flags = ", ".join("--" + name.replace("_", "-") for name in unused)
                warn(f"{flags} {'has' if len(unused) == 1 else 'have'} no effect with --hyp: nothing is translated.")

        with ExitStack() as stack:
            if given is not None:
                system = evaluate.given_system("A", sources, given, options=f"--hyp {hyp}")
            else:
                translator = stack.enter_context(Translator(settings))
                system = evaluate.translate_lines("A", sources, translator, progress=eval_progress("A"))
                if hyp_out is not None:
                    evaluate.write_lines(hyp_out, system.hypotheses)
            other = None
            if compare_given is not None:
                other = evaluate.given_system("B", sources, compare_given, options=f"--compare-hyp {compare_hyp}")
            elif compare_settings is not None:
                compare_translator = stack.enter_context(Translator(compare_settings))
                other = evaluate.translate_lines(
                    "B", sources, compare_translator, options=f"--compare '{compare}'", progress=eval_progress("B")
                )
                if compare_hyp_out is not None:
                    evaluate.write_lines(compare_hyp_out, other.hypotheses)
        report = evaluate.evaluate(
            sources,
            references,
            system,
            other,
            bootstrap_samples=bootstrap_samples,
            comet=not no_comet,
            comet_model=comet_model,
            comet_device=settings.device.value,
            comet_python=comet_python,
        )
        for message in report.warnings:
            warn(message)
        if details is not None:
            evaluate.write_details(details, report)
        emit(report.render_json() if fmt is ReportFormat.json else report.render_text(), output)
        return EXIT_OK

    run_guarded(shared["debug"], work)


def eval_progress(label: str):
    """A line on stderr per window of translated lines, on a terminal only."""
    if not sys.stderr.isatty():
        return None
    return lambda done, total: typer.echo(f"nb2en: {label}: translated {done}/{total} lines", err=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
