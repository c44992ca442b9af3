"""``eval``: scores of the translation of line-aligned parallel text, and of a second configuration (``--compare``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.commands.guard import EXIT_OK, emit, run_guarded, warn
from translate.commands.options import DEBUG_OPTION, TRANSLATION_OPTIONS, OutputOpt, build_settings, with_options
from translate.evaluate import ReportFormat



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
