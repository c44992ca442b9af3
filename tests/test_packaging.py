"""A fresh install gets what the code runs: every third-party import in translate/ is a
declared requirement, the tokenizer conversions' protobuf too, and CI runs the README's
own commands with the pinned versions."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

REPO_ROOT = Path(__file__).resolve().parent.parent
# Imported only behind a feature that says how to install it, and deliberately not an extra.
UNDECLARED_ON_PURPOSE = {
    "comet": "every unbabel-comet release pins transformers<5: it needs its own environment",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return normalise(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0])


def declared() -> tuple[set[str], set[str]]:
    """(core dependencies, everything declared including extras)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {requirement_name(r) for r in project["dependencies"]}
    extras = {requirement_name(r) for reqs in project.get("optional-dependencies", {}).values() for r in reqs}
    return core, core | extras


def third_party_imports() -> set[str]:
    names = set()
    for path in (REPO_ROOT / "translate").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("translate", "__future__")}


def test_every_third_party_import_is_declared():
    _, everything = declared()
    distributions = packages_distributions()
    missing = {}
    for module in sorted(third_party_imports() - set(UNDECLARED_ON_PURPOSE)):
        owners = {normalise(d) for d in distributions.get(module, [module])}
        if not owners & everything:
            missing[module] = sorted(owners)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_what_transformers_needs_for_our_tokenizers_is_a_core_dependency():
    core, _ = declared()
    # Converting the T5 (and Marian) sentencepiece tokenizers needs protobuf; platformdirs
    # finds the default cache folder.
    assert {"protobuf", "sentencepiece", "platformdirs"} <= core


def test_ci_runs_the_readme_commands_with_the_pinned_versions():
    def block(name: str) -> str:
        return subprocess.run(
            ["bash", str(REPO_ROOT / ".ci" / "readme-command"), name], capture_output=True, text=True, check=True
        ).stdout

    install, tests = block("install"), block("test")
    assert "python3 -m venv .venv" in install and 'pip install torch==2.13.0 -e ".[dev,ray]"' in install
    assert tests.strip() == "python -m pytest -q"
    run = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'PIP_CONSTRAINT="$PWD/constraints.txt"' in run and "readme-command install" in run
    pins = [
        line for line in (REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert all("==" in line for line in pins), [line for line in pins if "==" not in line]
    pinned = {requirement_name(line) for line in pins}
    assert "nb2en" not in pinned and "torch" in pinned
    core, _ = declared()
    assert core <= pinned, core - pinned
