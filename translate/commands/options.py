"""The options shared by several commands, defined once: each command lists the groups it takes."""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.settings import (
    MAX_BEAM_SIZE,
    Backend,
    Device,
    InlineAlignment,
    InputFormat,
    OutputFormat,
    Settings,
    Summarizer,
    SummaryStyle,
)
from translate.commands.guard import warn

# Plain (click) help and usage errors: typer's rich formatting imports ~150 ms of rich
# modules on every `--help`, which would double the time `nb2en --help` takes to answer.
PLAIN_HELP = {"rich_markup_mode": None}

PathArg = Annotated[str, typer.Argument(help="Article file, or - for standard input.", show_default=False)]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Marian model: hub id or local directory.")]
BackendOpt = Annotated[Backend, typer.Option("--backend", help="Translation backend (auto: ctranslate2 where it can run).")]
DeviceOpt = Annotated[Device, typer.Option("--device", help="Where models run (auto: cuda if available).")]
BeamOpt = Annotated[int, typer.Option("--beam-size", min=1, max=MAX_BEAM_SIZE, help="Beam size for decoding.")]
ThreadsOpt = Annotated[
    Optional[int],
    typer.Option(
        "--threads",
        min=1,
        max=1024,
        envvar="NB2EN_THREADS",
        help="CPU threads for the model (default: $NB2EN_THREADS, else the CPUs this process may use). Never changes the output.",
    ),
]
CacheDirOpt = Annotated[
    Optional[Path], typer.Option("--cache-dir", help="Cache folder (default: $NB2EN_CACHE_DIR, else the default cache folder).")
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
MemoryDirOpt = Annotated[
    Optional[Path],
    typer.Option("--memory-dir", help="Translation memory folder (default: $NB2EN_MEMORY_DIR, else the per-user data folder)."),
]
NoMemoryOpt = Annotated[bool, typer.Option("--no-memory", help="Do not use the translation memory (human English) for this run.")]
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
        "depth (default: $NB2EN_INPUT_LIMITS, else 256, 32, 64, 400, 10000, 256).",
    ),
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format", "-f", help="Output format: same (the input's own: HTML in, HTML out), text, markdown, json or xliff (XLIFF 1.2 for CAT tools)."
    ),
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
SourceLanguagesOpt = Annotated[
    Optional[str],
    typer.Option(
        "--source-languages",
        help="Sentence languages sent to the model, e.g. nb,nn,da,sv (default: from the model; gmq models cover da, sv).",
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
    _option("threads", ThreadsOpt, None),
    _option("cache_dir", CacheDirOpt, None),
    _option("no_cache", NoCacheOpt, False),
    _option("encoding", EncodingOpt, None),
    _option("input_format", FromOpt, None),
    _option("inline_alignment", InlineAlignmentOpt, InlineAlignment.position),
    _option("glossary", GlossaryOpt, None),
    _option("memory_dir", MemoryDirOpt, None),
    _option("no_memory", NoMemoryOpt, False),
    _option("input_limit", InputLimitOpt, None),
    _option("source_languages", SourceLanguagesOpt, None),
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
        # Evaluated here: the body's string annotations name its own module's imports, not this one's.
        command.__annotations__ = {param.name: param.annotation for param in own + added}
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
        threads=shared.get("threads"),
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
        memory_dir=shared.get("memory_dir"),
        use_memory=not shared.get("no_memory", False),
        input_limits=shared.get("input_limit"),
        source_languages=shared.get("source_languages"),
    )


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
