"""``cache path|stats|clear``: the translation cache, inspected or removed."""

from __future__ import annotations

from typing import Annotated

import typer

from translate.commands.guard import EXIT_OK, run_guarded
from translate.commands.options import PLAIN_HELP, CacheDirOpt, DebugOpt

app = typer.Typer(help="Inspect or clear the translation cache.", no_args_is_help=True, **PLAIN_HELP)


@app.command("path")
def cache_path(cache_dir: CacheDirOpt = None) -> None:
    """Print where the cache database lives (honours --cache-dir and $NB2EN_CACHE_DIR)."""
    from translate.cache import cache_db_path

    typer.echo(str(cache_db_path(cache_dir)))


@app.command("stats")
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


@app.command("clear")
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
