"""The summarizer contract: one method, ``summarize(text) -> str``, plus an identity.

``identity()`` is everything that changes the output for the same text (summarizer kind,
style, model id and revision, prompt hashes, decoding settings, algorithm version); it goes
into the summary's cache key, so a changed setting or prompt never returns a stale summary.
Building a summarizer is cheap: a model, if any, is loaded on the first ``summarize``
call, so a summary answered from the cache never loads one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from translate.faithful import FLAG_LENGTH_CAP  # noqa: F401 - one home for the length-cap flag
from translate.prompt_templates import STYLES  # noqa: F401 - re-exported by translate.summarizers
from translate.settings import SummarySettings  # noqa: F401 - re-exported by translate.summarizers

SUMMARIZER_NAMES = ("abstractive", "extractive")


@dataclass
class SummaryDetails:
    """How a summary was made: parts summarized first, rounds of that, flags."""

    chunks: int = 1
    rounds: int = 1
    flags: list[str] = field(default_factory=list)


@dataclass
class SummaryOutput:
    """What ``summarize`` returns: the summary text and how it was made (no side channel)."""

    text: str = ""
    chunks: int = 1
    rounds: int = 1
    flags: list[str] = field(default_factory=list)


class Summarizer(ABC):
    """Summarize English text in one style."""

    name: ClassVar[str]

    def __init__(self, style: str):
        self.style = style
        self.load_seconds = 0.0

    @abstractmethod
    def summarize(self, text: str) -> SummaryOutput:
        """The summary of ``text`` (English), in this summarizer's style, with how it was made."""

    def identity(self) -> dict:
        """What distinguishes this summarizer's output from another's (for cache keys and JSON)."""
        return {"summarizer": self.name, "style": self.style}

    @property
    def loaded(self) -> bool:
        """Whether a model has been loaded (always False for model-free summarizers)."""
        return False
