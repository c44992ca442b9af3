"""The ``nb2en`` command line: Typer only. Parses options, calls the library, renders,
and maps errors to exit codes (0 ok, 1 the work failed, 2 bad usage or input)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from translate.errors import Nb2enError

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
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Marian model: hub id or local directory.")]
BackendOpt = Annotated[str, typer.Option("--backend", help="auto, ctranslate2 or transformers.")]
DeviceOpt = Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")]
BeamOpt = Annotated[int, typer.Option("--beam-size", min=1, max=16, help="Beam size for decoding.")]
CacheDirOpt = Annotated[
    Optional[Path], typer.Option("--cache-dir", help="Cache folder (default: $NB2EN_CACHE_DIR or ./cache).")
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
EncodingOpt = Annotated[
    Optional[str], typer.Option("--encoding", help="Input encoding (default: UTF-8, falling back to cp1252 with a warning).")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="text, markdown or json.")]
SummaryOpt = Annotated[bool, typer.Option("--summary", help="Add an English summary (see `nb2en summarize`).")]
StyleOpt = Annotated[
    str, typer.Option("--style", help="Summary style: short (2-3 sentences), headline (one line) or bullets (3-5).")
]
SummarizerOpt = Annotated[
    str,
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


def check_format(fmt: str) -> str:
    from translate.render import FORMATS

    if fmt not in FORMATS:
        from translate.errors import UsageError

        raise UsageError(f"Unknown format '{fmt}'. Choose one of: {', '.join(FORMATS)}.")
    return fmt


def build_settings(model, backend, device, beam_size, cache_dir, no_cache):
    from translate.models import DEFAULT_TRANSLATION_MODEL
    from translate.pipeline import TranslationSettings

    return TranslationSettings(
        model=model or DEFAULT_TRANSLATION_MODEL,
        backend=backend,
        device=device,
        beam_size=beam_size,
        cache_dir=cache_dir,
        use_cache=not no_cache,
    )


def build_summarizer(style: str, summarizer: str, summary_model: Optional[str], device: str):
    """The summarizer the options name, built before any translation so a bad option fails fast."""
    from translate.models import DEFAULT_SUMMARY_MODEL
    from translate.summarizers import SummarySettings, create_summarizer

    if summarizer == "extractive" and summary_model:
        warn("--summary-model is ignored with --summarizer extractive.")
    settings = SummarySettings(
        style=style, summarizer=summarizer, model=summary_model or DEFAULT_SUMMARY_MODEL, device=device
    )
    return create_summarizer(settings)


def optional_summarizer(summary: bool, style: str, summarizer: str, summary_model: Optional[str], device: str):
    """The summarizer when ``--summary`` is given; a warning when summary options are given without it."""
    if summary:
        return build_summarizer(style, summarizer, summary_model, device)
    if style != "short" or summarizer != "abstractive" or summary_model:
        warn("--style, --summarizer and --summary-model have no effect without --summary.")
    return None


def translate_one(path: str, encoding: Optional[str], settings, summarizer=None):
    """Read, translate and (with a summarizer) summarize one article; print its warnings."""
    from translate.io import read_source
    from translate.pipeline import Translator, summarize_article, translate_article

    source = read_source(path, encoding)
    translator = Translator(settings)
    result = translate_article(source, translator)
    if summarizer is not None:
        summarize_article(result, summarizer, translator.cache)
    for message in result.warnings:
        warn(message)
    return result


def emit(content: str, output: Optional[Path]) -> None:
    if output is None:
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    from translate.io import write_atomic

    write_atomic(output, content)


@app.command()
def translate(
    path: PathArg,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    fmt: FormatOpt = "text",
    model: ModelOpt = None,
    backend: BackendOpt = "auto",
    device: DeviceOpt = "auto",
    beam_size: BeamOpt = 4,
    cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False,
    encoding: EncodingOpt = None,
    summary: SummaryOpt = False,
    style: StyleOpt = "short",
    summarizer: SummarizerOpt = "abstractive",
    summary_model: SummaryModelOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Translate one Norwegian article into English, keeping its blocks in order."""

    def work() -> int:
        from translate.render import render

        check_format(fmt)
        chosen_summarizer = optional_summarizer(summary, style, summarizer, summary_model, device)
        settings = build_settings(model, backend, device, beam_size, cache_dir, no_cache)
        result = translate_one(path, encoding, settings, chosen_summarizer)
        emit(render(result, fmt), output)
        return EXIT_OK

    run_guarded(debug, work)


@app.command()
def summarize(
    path: PathArg,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text (the summary only) or json (the translate JSON with its summary).")
    ] = "text",
    style: StyleOpt = "short",
    summarizer: SummarizerOpt = "abstractive",
    summary_model: SummaryModelOpt = None,
    model: ModelOpt = None,
    backend: BackendOpt = "auto",
    device: DeviceOpt = "auto",
    beam_size: BeamOpt = 4,
    cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False,
    encoding: EncodingOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Translate one Norwegian article (through the cache) and print a short English summary."""

    def work() -> int:
        from translate.errors import UsageError
        from translate.render import render_json

        if fmt not in ("text", "json"):
            raise UsageError(f"Unknown format '{fmt}'. Choose one of: text, json.")
        chosen_summarizer = build_summarizer(style, summarizer, summary_model, device)
        settings = build_settings(model, backend, device, beam_size, cache_dir, no_cache)
        result = translate_one(path, encoding, settings, chosen_summarizer)
        emit(render_json(result) if fmt == "json" else (result.summary or "") + "\n", output)
        return EXIT_OK

    run_guarded(debug, work)


@app.command()
def split(path: PathArg, encoding: EncodingOpt = None, debug: DebugOpt = False) -> None:
    """Print the article one sentence per line, with a blank line between blocks."""

    def work() -> int:
        from translate.article import parse_article
        from translate.io import read_source

        source = read_source(path, encoding)
        blocks = parse_article(source.text).blocks
        lines = []
        for block in blocks:
            sentences = [s.source for s in block.sentences] or [block.source.strip()]
            if block.prefix and sentences:
                sentences[0] = block.prefix + sentences[0]
            lines.append("\n".join(sentences))
        sys.stdout.write("\n\n".join(lines) + ("\n" if lines else ""))
        return EXIT_OK

    run_guarded(debug, work)


@app.command()
def batch(
    in_dir: Annotated[Path, typer.Argument(help="Folder of Norwegian articles (searched recursively).", show_default=False)],
    out_dir: Annotated[Path, typer.Argument(help="Output folder; mirrors IN_DIR (a/b.txt -> a/b.en.txt).", show_default=False)],
    pattern: Annotated[str, typer.Option("--pattern", help="Glob relative to IN_DIR for the articles.")] = "**/*.txt",
    fmt: FormatOpt = "text",
    force: Annotated[bool, typer.Option("--force", help="Redo files whose output is already up to date.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output; a line at the end only if something failed.")] = False,
    window_sentences: Annotated[
        int, typer.Option("--window-sentences", min=1, help="Sentences of several articles translated together (shared model batches).")
    ] = 256,
    model: ModelOpt = None,
    backend: BackendOpt = "auto",
    device: DeviceOpt = "auto",
    beam_size: BeamOpt = 4,
    cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False,
    encoding: EncodingOpt = None,
    summary: SummaryOpt = False,
    style: StyleOpt = "short",
    summarizer: SummarizerOpt = "abstractive",
    summary_model: SummaryModelOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Translate a folder of articles into OUT_DIR: resumable, with a report (exit 1 if any file failed)."""

    def work() -> int:
        from translate.batch import BatchOptions, StopOnSignals, run_batch
        from translate.pipeline import Translator, summarize_article
        from translate.progress import choose_progress

        check_format(fmt)
        chosen_summarizer = optional_summarizer(summary, style, summarizer, summary_model, device)
        translator = Translator(build_settings(model, backend, device, beam_size, cache_dir, no_cache))
        options = BatchOptions(
            in_dir, out_dir, pattern=pattern, fmt=fmt, force=force, encoding=encoding, window_sentences=window_sentences
        )
        progress = choose_progress(quiet)
        summarize = None
        if chosen_summarizer is not None:
            summarize = lambda result: summarize_article(result, chosen_summarizer, translator.cache)  # noqa: E731
        with StopOnSignals(progress.note) as signals:
            outcome = run_batch(
                options,
                translator,
                progress,
                stop=signals.stop,
                summarize=summarize,
                summary_identity=chosen_summarizer.identity() if chosen_summarizer is not None else None,
            )
        if outcome.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if outcome.failed else EXIT_OK

    run_guarded(debug, work)


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
    backend: BackendOpt = "auto",
    device: DeviceOpt = "auto",
    cache_dir: CacheDirOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Translate fixed sentences and verify the English, to trust a model after an upgrade."""

    def work() -> int:
        from translate.modelcheck import run_model_check
        from translate.pipeline import Translator

        settings = build_settings(model, backend, device, 4, cache_dir, True)
        report = run_model_check(Translator(settings))
        for line in report.lines():
            typer.echo(line)
        if not report.passed:
            fail(report.failure_message(), EXIT_FAILED)
        return EXIT_OK

    run_guarded(debug, work)


@models_app.command("convert")
def models_convert(
    model: ModelOpt = None,
    device: DeviceOpt = "auto",
    cache_dir: CacheDirOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Convert a Marian model to CTranslate2 once, into the cache folder."""

    def work() -> int:
        from translate.pipeline import Translator

        settings = build_settings(model, "ctranslate2", device, 4, cache_dir, True)
        translator = Translator(settings)
        typer.echo(str(translator.backend.ensure_converted()))
        return EXIT_OK

    run_guarded(debug, work)


# ---------------------------------------------------------------------------- eval

# The options `--compare` may change: those that change what the model outputs.
COMPARE_OPTIONS = {"model": "--model", "backend": "--backend", "device": "--device", "beam_size": "--beam-size"}


def parse_compare(ctx: typer.Context, text: str) -> dict:
    """The translation options in ``--compare '...'``, parsed by this very command's option definitions."""
    import shlex

    try:  # typer >= 0.2x vendors click; older typer uses click itself
        from typer._click.exceptions import ClickException
    except ImportError:
        from click.exceptions import ClickException

    from translate.errors import UsageError

    example = "e.g. --compare '--beam-size 1' or --compare '--backend transformers'"
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise UsageError(f"--compare '{text}' cannot be parsed ({error}). Quote it as one string, {example}.") from None
    if not tokens:
        raise UsageError(f"--compare needs the translation options of the second configuration, {example}.")
    try:
        parsed = ctx.command.make_context("nb2en eval --compare", ["SRC", "REF", *tokens], parent=ctx.parent)
    except ClickException as error:
        raise UsageError(f"--compare '{text}': {error.format_message()} ({example}).") from None
    given = {
        name: value
        for name, value in parsed.params.items()
        if getattr(parsed.get_parameter_source(name), "name", None) == "COMMANDLINE"
    }
    others = sorted(set(given) - set(COMPARE_OPTIONS) - {"src", "ref"})
    given = {name: value for name, value in given.items() if name in COMPARE_OPTIONS}
    if others:
        raise UsageError(
            f"--compare takes translation options only ({', '.join(COMPARE_OPTIONS.values())}), not "
            f"{', '.join('--' + name.replace('_', '-') for name in others)}."
        )
    return given


@app.command("eval")
def eval_(
    ctx: typer.Context,
    src: Annotated[str, typer.Argument(metavar="SRC", help="Norwegian source: one segment a line, UTF-8 (e.g. FLORES-200 nob_Latn.devtest).", show_default=False)],
    ref: Annotated[str, typer.Argument(metavar="REF", help="English reference, line-aligned with SRC (e.g. eng_Latn.devtest).", show_default=False)],
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
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report here instead of stdout.")] = None,
    comet_model: Annotated[
        Optional[str], typer.Option("--comet-model", help="COMET model: hub id in the local cache or a local folder/.ckpt (default: Unbabel/wmt22-comet-da). Never downloaded.")
    ] = None,
    no_comet: Annotated[bool, typer.Option("--no-comet", help="Skip COMET even where it is available.")] = False,
    model: ModelOpt = None,
    backend: BackendOpt = "auto",
    device: DeviceOpt = "auto",
    beam_size: BeamOpt = 4,
    cache_dir: CacheDirOpt = None,
    no_cache: NoCacheOpt = False,
    encoding: EncodingOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Score translations of line-aligned parallel text: BLEU, chrF, chrF++, TER (sacrebleu), COMET if local."""

    def work() -> int:
        from translate import evaluate
        from translate.errors import UsageError

        if fmt not in ("text", "json"):
            raise UsageError(f"Unknown format '{fmt}'. Choose one of: text, json.")
        if hyp is not None and hyp_out is not None:
            raise UsageError("--hyp-out keeps translated English, but with --hyp nothing is translated. Drop one of them.")
        if compare is not None and compare_hyp is not None:
            raise UsageError("Give configuration B either as --compare OPTIONS or as --compare-hyp FILE, not both.")
        if compare_hyp_out is not None and compare is None:
            raise UsageError("--compare-hyp-out needs --compare OPTIONS (the configuration whose English it keeps).")
        # Every input is read and checked before any model is touched.
        sources = evaluate.read_lines(src, encoding, "SRC")
        references = evaluate.read_lines(ref, encoding, "REF")
        counts = {"SRC": len(sources), "REF": len(references)}
        given = evaluate.read_lines(hyp, encoding, "--hyp") if hyp is not None else None
        compare_given = evaluate.read_lines(compare_hyp, encoding, "--compare-hyp") if compare_hyp is not None else None
        counts |= {"--hyp": len(given)} if given is not None else {}
        counts |= {"--compare-hyp": len(compare_given)} if compare_given is not None else {}
        evaluate.check_aligned(counts)
        main_options = dict(model=model, backend=backend, device=device, beam_size=beam_size)
        compare_options = {**main_options, **parse_compare(ctx, compare)} if compare is not None else None
        if compare_options == main_options:
            raise UsageError(f"--compare '{compare}' is the same configuration as the main options. Change at least one.")

        if given is not None and compare_options is None:
            unused = [
                "--" + name.replace("_", "-")
                for name in (*COMPARE_OPTIONS, "cache_dir", "no_cache")
                if getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"
            ]
            if unused:
                warn(f"{', '.join(unused)} {'has' if len(unused) == 1 else 'have'} no effect with --hyp: nothing is translated.")
        translator = None
        if given is not None:
            system = evaluate.given_system("A", sources, given, options=f"--hyp {hyp}")
        else:
            translator = eval_translator(main_options, cache_dir, no_cache)
            system = evaluate.translate_lines("A", sources, translator, progress=eval_progress("A"))
            if hyp_out is not None:
                evaluate.write_lines(hyp_out, system.hypotheses)
        other = None
        if compare_given is not None:
            other = evaluate.given_system("B", sources, compare_given, options=f"--compare-hyp {compare_hyp}")
        elif compare_options is not None:
            shared_cache = translator.cache if translator is not None else None
            compare_translator = eval_translator(compare_options, cache_dir, no_cache, shared_cache)
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
            comet_device=device,
        )
        for message in report.warnings:
            warn(message)
        if details is not None:
            evaluate.write_details(details, report)
        emit(report.render_json() if fmt == "json" else report.render_text(), output)
        return EXIT_OK

    run_guarded(debug, work)


def eval_progress(label: str):
    """A line on stderr per window of translated lines, on a terminal only."""
    if not sys.stderr.isatty():
        return None
    return lambda done, total: typer.echo(f"nb2en: {label}: translated {done}/{total} lines", err=True)


def eval_translator(options: dict, cache_dir, no_cache: bool, cache=None):
    """A translator for one eval configuration (model, backend, device, beam size)."""
    from translate.pipeline import Translator

    settings = build_settings(options["model"], options["backend"], options["device"], options["beam_size"], cache_dir, no_cache)
    return Translator(settings, cache=cache)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
