"""`nb2en --help` and `nb2en split` import no model library (checked with `python -X importtime`).

Heavy imports belong in a backend's load step only (DESIGN.md). The fully cached
`nb2en translate` check lives in tests/test_cache.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
HEAVY = {"torch", "transformers", "ctranslate2"}


def imported_modules(*args: str, stdin: str | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``python -X importtime -m translate ARGS``; return the run and every module it imported."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "translate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                modules.add(name)
    assert modules, f"no -X importtime output: {done.stderr[-500:]}"
    return done, modules


def heavy(modules: set[str]) -> set[str]:
    return {name for name in modules if name.split(".")[0] in HEAVY}


@pytest.mark.parametrize(
    "args",
    [("--help",), ("translate", "--help"), ("split", "--help"), ("cache", "--help"), ("models", "--help")],
    ids=lambda args: " ".join(args),
)
def test_help_imports_no_model_library(args):
    done, modules = imported_modules(*args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Usage" in done.stdout
    assert "translate.cli" in modules
    assert heavy(modules) == set()


def test_top_level_help_skips_rich_formatting():
    """Typer's rich help costs ~150 ms of imports; plain help keeps `nb2en --help` fast."""
    done, modules = imported_modules("--help")
    assert done.returncode == 0
    assert "typer.rich_utils" not in modules


def test_split_imports_no_model_library(sample_article):
    done, modules = imported_modules("split", str(sample_article))
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(done.stdout.split("\n\n")) > 5  # it really split the article
    assert "translate.segment" in modules
    assert heavy(modules) == set()


def test_split_from_stdin_imports_no_model_library():
    done, modules = imported_modules("split", "-", stdin="Dette er en test. Og en til.\n")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[:2] == ["Dette er en test.", "Og en til."]
    assert heavy(modules) == set()
