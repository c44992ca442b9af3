"""``models list|download|check|convert``: the models, fetched ahead of time, trusted, converted."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from translate.commands.guard import EXIT_FAILED, EXIT_OK, fail, run_guarded
from translate.commands.options import PLAIN_HELP, BackendOpt, CacheDirOpt, DebugOpt, DeviceOpt, ModelOpt
from translate.settings import Backend, Device, Settings

app = typer.Typer(help="List, download, check and convert models.", no_args_is_help=True, **PLAIN_HELP)


@app.command("list")
def models_list() -> None:
    """The default models and whether each is available offline."""
    from translate.models import KNOWN_MODELS, cached_location

    for model_id, description in KNOWN_MODELS.items():
        location = cached_location(model_id)
        state = f"available at {location}" if location else "not downloaded (run `nb2en models download`)"
        typer.echo(f"{model_id}\n  {description}\n  {state}")


@app.command("download")
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


@app.command("check")
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

        settings = Settings(model=model, backend=backend, device=device, cache_dir=cache_dir, use_cache=False, use_memory=False)
        with Translator(settings) as translator:
            report = run_model_check(translator)
        for line in report.lines():
            typer.echo(line)
        if not report.passed:
            fail(report.failure_message(), EXIT_FAILED)
        return EXIT_OK

    run_guarded(debug, work)


@app.command("convert")
def models_convert(
    model: ModelOpt = None,
    device: DeviceOpt = Device.auto,
    cache_dir: CacheDirOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Convert a Marian model to CTranslate2 once, into the cache folder."""

    def work() -> int:
        from translate.pipeline import Translator

        settings = Settings(model=model, backend=Backend.ctranslate2, device=device, cache_dir=cache_dir, use_cache=False, use_memory=False)
        with Translator(settings) as translator:
            typer.echo(str(translator.backend.ensure_converted()))
        return EXIT_OK

    run_guarded(debug, work)
