"""``batch``: a folder of articles translated into another, on the local or the Ray engine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.commands.guard import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, StopOnSignals, run_guarded
from translate.commands.options import (
    DEBUG_OPTION,
    ENGINE_OPTIONS,
    SUMMARY_OPTIONS,
    TRANSLATION_OPTIONS,
    FormatOpt,
    SummaryOpt,
    build_settings,
    optional_summarizer,
    with_options,
)
from translate.settings import OutputFormat, Settings



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
