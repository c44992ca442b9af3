"""Summary prompt templates: one plain-text file per style, versioned by content hash.

A template is plain text with named placeholders (``{text}``: the English text to
summarize). Its hash goes into every summary cache key made with it, so editing a
template invalidates exactly the summaries that used it.

Templates are looked up in ``translate/prompts/`` (an installed wheel: pyproject
force-includes the repository's ``prompts/`` there), else in the repository root's
``prompts/`` (an editable install or a source checkout).

This module imports nothing heavy; the extractive summarizer never needs it.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from translate.errors import Nb2enError, UsageError

STYLES = ("short", "headline", "bullets")
# Used for the parts of an article too long for the model's input (see summarizers.abstractive).
CHUNK_TEMPLATE = "chunk"
PLACEHOLDER = "text"
SUFFIX = ".txt"

_PACKAGE_DIR = Path(__file__).resolve().parent
_CANDIDATE_DIRS = (_PACKAGE_DIR / "prompts", _PACKAGE_DIR.parent / "prompts")


class PromptError(Nb2enError):
    """A prompt template is missing or malformed (exit code 1: the installation is broken)."""


@dataclass(frozen=True)
class PromptTemplate:
    """One template file as read, with the hash that versions it."""

    name: str
    path: Path
    template: str

    @property
    def sha256(self) -> str:
        return "sha256:" + hashlib.sha256(self.template.encode("utf-8")).hexdigest()

    def render(self, **values: str) -> str:
        """Fill in the named placeholders; values are inserted verbatim (braces in them are safe)."""
        return self.template.format_map(values)

    def overhead(self) -> str:
        """The template with empty placeholders: what every rendered prompt costs beyond its text."""
        return self.render(**{field: "" for field in placeholders(self.template)})


def prompts_dir(directory: str | Path | None = None) -> Path:
    """The folder that holds the templates: ``directory`` if given, else the first that exists."""
    if directory is not None:
        path = Path(directory).expanduser()
        if not path.is_dir():
            raise UsageError(f"No prompts folder at {path}. Pass an existing folder of <style>.txt templates.")
        return path
    for candidate in _CANDIDATE_DIRS:
        if candidate.is_dir():
            return candidate
    raise PromptError(
        "The summary prompt templates are missing (looked in "
        + " and ".join(str(c) for c in _CANDIDATE_DIRS)
        + "). Reinstall nb2en, or use --summarizer extractive."
    )


def placeholders(template: str) -> list[str]:
    """The named fields of a template, in order; positional or attribute fields are rejected."""
    fields = []
    for _, field, _, _ in string.Formatter().parse(template):
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"placeholder {{{field}}} is not a plain name")
        fields.append(field)
    return fields


def load_prompt(name: str, directory: str | Path | None = None) -> PromptTemplate:
    """Read and check ``<name>.txt``; it must contain ``{text}`` and no other placeholder."""
    folder = prompts_dir(directory)
    return _load(folder / f"{name}{SUFFIX}")


@lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int, size: int) -> str:
    return path.read_text(encoding="utf-8")


def _load(path: Path) -> PromptTemplate:
    try:
        stat = path.stat()
        template = _read(path, stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        raise PromptError(
            f"The prompt template {path} is missing. Restore it (see prompts/ in the nb2en repository) "
            "or use --summarizer extractive."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PromptError(f"Cannot read the prompt template {path} ({error}). Check the file.") from None
    try:
        fields = placeholders(template)
    except ValueError as error:
        raise PromptError(f"The prompt template {path} is malformed ({error}). Use {{{PLACEHOLDER}}} only.") from None
    unknown = sorted(set(fields) - {PLACEHOLDER})
    if PLACEHOLDER not in fields or unknown:
        raise PromptError(
            f"The prompt template {path} must contain {{{PLACEHOLDER}}} and no other placeholder"
            + (f" (found {', '.join('{' + f + '}' for f in unknown)})" if unknown else "")
            + ". Write literal braces as {{ and }}."
        )
    return PromptTemplate(path.stem, path, template)
