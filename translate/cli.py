"""The ``nb2en`` command line, assembled: each command lives in ``translate.commands`` (one
module per command group); this module only puts them into one Typer app.

Exit codes: 0 ok, 1 the work failed, 2 bad usage or input, 130 interrupted (``commands.guard``).
"""

from __future__ import annotations

import typer

from translate.commands import article, batch, cache, memory, models, serve
from translate.commands import eval as eval_command
from translate.commands.options import PLAIN_HELP

app = typer.Typer(
    help="Translate Norwegian news articles into faithful English, summarize them, and batch whole folders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    **PLAIN_HELP,
)
app.add_typer(cache.app, name="cache")
app.add_typer(models.app, name="models")
app.add_typer(memory.app, name="memory")
app.command()(article.translate)
app.command()(article.summarize)
app.command()(article.split)
app.command()(batch.batch)
app.command()(serve.serve)
app.command("eval")(eval_command.eval_)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
