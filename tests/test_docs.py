"""Every command and every option has --help and is in the README (as sqlite-utils' test_docs)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from translate.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands() -> list[tuple[str, object]]:
    """(full name, click command) for every leaf command, e.g. ("cache stats", ...)."""
    found = []

    def walk(group, prefix: str) -> None:
        for name, command in group.commands.items():
            full = f"{prefix} {name}".strip()
            if hasattr(command, "commands"):  # a group (typer may vendor its own click)
                walk(command, full)
            else:
                found.append((full, command))

    walk(typer.main.get_command(app), "")
    return found


COMMANDS = commands()


def test_every_command_is_found():
    names = {name for name, _ in COMMANDS}
    assert {"translate", "summarize", "split", "batch", "cache stats", "models download"} <= names


@pytest.mark.parametrize("name,command", COMMANDS, ids=[name for name, _ in COMMANDS])
def test_command_has_help_listing_every_option(name, command):
    result = CliRunner().invoke(app, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert (command.help or "").split("\n")[0].strip(), f"{name} has no help text"
    for param in command.params:
        if param.param_type_name == "option":
            for option in param.opts:
                assert option in result.output, f"{option} missing from `nb2en {name} --help`"


@pytest.mark.parametrize("name,command", COMMANDS, ids=[name for name, _ in COMMANDS])
def test_command_and_its_options_are_in_the_readme(name, command):
    assert f"nb2en {name}" in README or f"nb2en {name.split()[0]} " in README and name.split()[-1] in README, name
    for param in command.params:
        if param.param_type_name == "option":
            long = [opt for opt in param.opts if opt.startswith("--")]
            assert any(opt in README for opt in long), f"{long} of `nb2en {name}` is not in README.md"
