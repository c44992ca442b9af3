"""``translate``, ``summarize`` and ``split``: one article in, its English (or summary, or sentences) out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.commands.guard import EXIT_OK, check_output, emit, run_guarded, warn
from translate.commands.options import (
    DEBUG_OPTION,
    SUMMARY_OPTIONS,
    TRANSLATION_OPTIONS,
    DebugOpt,
    EncodingOpt,
    FormatOpt,
    FromOpt,
    InputLimitOpt,
    OutputOpt,
    PathArg,
    SummaryOpt,
    build_settings,
    build_summarizer,
    optional_summarizer,
    warn_unused_summary_model,
    with_options,
)
from translate.settings import OutputFormat, Settings, SummaryFormat


def check_binary_output(path: str, document, settings: Settings, output: Optional[Path]) -> None:
    """A DOCX (ODT, PPTX...) comes back in its own format: binary, so it needs -o (never written to a terminal)."""
    from translate.errors import UsageError

    if document.binary and settings.output_format is OutputFormat.same and output is None:
        raise UsageError(
            f"{path} is a .{document.format}, so its English is a .{document.format} too (binary). "
            f"Pass -o FILE.{document.format}, "
            "or --format text, markdown or json to print it."
        )


def translate_one(path: str, settings: Settings, summarizer=None, output: Optional[Path] = None):
    """One article through ``pipeline.translate_document``; print its warnings.

    The input is opened first, so bad input is refused before any model is looked for.
    """
    from translate.formats import open_document
    from translate.pipeline import Translator, translate_document

    document = open_document(path, fmt=settings.input_format, encoding=settings.encoding, limits=settings.input_limits)
    check_binary_output(path, document, settings, output)
    with Translator(settings) as translator:
        result = translate_document(document, translator, summarizer=summarizer)
    for message in result.warnings:
        warn(message)
    return result


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
        from translate.limits import resolve

        from translate.formats import open_document

        document = open_document(path, fmt=input_format, encoding=encoding, limits=resolve(input_limit))
        for message in document.source.warnings:
            warn(message)
        sys.stdout.write(render_sentences(document.article))
        return EXIT_OK

    run_guarded(debug, work)
