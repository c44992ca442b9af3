"""``memory import|export|stats``: the translation memory, people's English that translations reuse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from translate.commands.guard import EXIT_OK, run_guarded
from translate.commands.options import PLAIN_HELP, DebugOpt, MemoryDirOpt

app = typer.Typer(
    help="Import, export or count the translation memory (human English used before any model).",
    no_args_is_help=True,
    **PLAIN_HELP,
)


@app.command("import")
def memory_import(
    file: Annotated[Path, typer.Argument(help="A .tmx (TMX 1.4), .xlf/.xliff (XLIFF 1.2 or 2.x) or .tsv (Norwegian TAB English) file.", show_default=False)],
    memory_dir: MemoryDirOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Add or update entries from FILE: all of it or nothing (a bad file is exit 2 with its line).

    XLIFF units count only where the target is translated, reviewed or final, or approved="yes".
    """

    def work() -> int:
        from translate.memory import Memory
        from translate.memory_io import read_file

        read = read_file(file)  # the whole file first: a bad one stores nothing
        with Memory(memory_dir) as memory:
            counts = memory.put_many(read.pairs, origin=f"import:{file.name}")
        skipped = f"; {read.skipped} unit(s) left out (not translated/final, or other languages)" if read.skipped else ""
        typer.echo(f"{file}: added {counts.added}, updated {counts.updated}, unchanged {counts.unchanged}{skipped}.")
        return EXIT_OK

    run_guarded(debug, work)


@app.command("export")
def memory_export(
    file: Annotated[Path, typer.Argument(help="The TMX 1.4 file to write (.tmx).", show_default=False)],
    memory_dir: MemoryDirOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write every entry to FILE as TMX 1.4 (srclang nb), with its date and origin."""

    def work() -> int:
        from translate.errors import UsageError
        from translate.memory import Memory
        from translate.memory_io import write_tmx

        if file.suffix.lower() != ".tmx":
            raise UsageError(f"{file}: the memory is exported as TMX. Name the file with .tmx.")
        if file.is_dir():
            raise UsageError(f"{file} is a folder. Pass a file path ending in .tmx.")
        with Memory(memory_dir, create=False) as memory:
            count = write_tmx(memory.entries(), file)
        typer.echo(f"Wrote {count} entries to {file}.")
        return EXIT_OK

    run_guarded(debug, work)


@app.command("stats")
def memory_stats(
    memory_dir: MemoryDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Where the memory lives and how many entries it holds, by origin (a missing one is empty, not created)."""

    def work() -> int:
        import json

        from translate.memory import Memory

        with Memory(memory_dir, create=False) as memory:
            stats = memory.stats()
        if as_json:
            typer.echo(json.dumps(stats, indent=2, ensure_ascii=False))
        else:
            typer.echo(f"path: {stats['path']}" + ("" if stats["exists"] else " (not created yet)"))
            typer.echo(f"entries: {stats['entries']}")
            for origin, count in sorted(stats["by_origin"].items()):
                typer.echo(f"  {origin}: {count}")
            typer.echo(f"size: {stats['size_bytes']} bytes")
        return EXIT_OK

    run_guarded(debug, work)
