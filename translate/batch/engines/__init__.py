"""Batch engines: who turns a window of parsed articles into translated ones.

The plan (what to do) and the finish (write, state, report) stay on the driver; an engine
only executes windows. Every engine goes through ``Translator.translate_sentences``, so the
driver keeps the cache: an engine that computes misses elsewhere (Ray actors) gives the
Translator its own ``translate_misses``. Engines are chosen by name (``--engine``) from
``ENGINES``; a new one registers ``"name": "module:Class"`` there.

An engine class is built as ``Engine(translator, **options)`` and provides::

    name: str
    translator: Translator
    def translate_window(self, window: list[PreparedArticle]) -> list[ArticleResult]
    def close(self) -> None            # also a context manager
"""

from __future__ import annotations

import importlib
from typing import Protocol

from translate.errors import UsageError
from translate.pipeline import ArticleResult, PreparedArticle, Translator

ENGINES: dict[str, str] = {
    "local": "translate.batch.engines.local:LocalEngine",
    "ray": "translate.batch.engines.ray:RayEngine",
}


class BatchEngine(Protocol):
    name: str
    translator: Translator

    def translate_window(self, window: list[PreparedArticle]) -> list[ArticleResult]: ...

    def close(self) -> None: ...

    def __enter__(self) -> "BatchEngine": ...

    def __exit__(self, *exc) -> None: ...


def engine_names() -> list[str]:
    return list(ENGINES)


def create_engine(name: str, translator: Translator, **options) -> BatchEngine:
    """The engine registered as ``name``, built around ``translator`` (usage error if unknown)."""
    if name not in ENGINES:
        raise UsageError(f"Unknown engine '{name}'. Choose one of: {', '.join(ENGINES)}.")
    module_name, _, class_name = ENGINES[name].partition(":")
    engine_class = getattr(importlib.import_module(module_name), class_name)
    return engine_class(translator, **options)
