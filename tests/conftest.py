"""Shared fixtures: tiny real models built once per run, offline Hub, isolated cache.

Builder logic lives in ``tiny_models.py``; importing this file imports no torch or
transformers (the fixtures import them when first used).
"""

from __future__ import annotations

import os

# Before anything can import huggingface_hub: the suite never reaches the Hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# The tiny models gain nothing from threads, and on a busy machine OpenMP spin-waiting
# made one 20-token generate take seconds instead of ~0.2 s. Read when torch starts.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tiny_models import (  # noqa: E402
    SEED_ARTICLE,
    build_tiny_causal_lm,
    build_tiny_marian,
    build_tiny_t5,
)


@pytest.fixture(scope="session")
def tiny_marian_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MarianMTModel directory (nb -> en layout, random weights), built once per run."""
    return build_tiny_marian(tmp_path_factory.mktemp("tiny-marian"))


@pytest.fixture(scope="session")
def tiny_t5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A T5ForConditionalGeneration directory (flan-t5 layout, random weights)."""
    return build_tiny_t5(tmp_path_factory.mktemp("tiny-t5"))


@pytest.fixture(scope="session")
def tiny_causal_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Qwen2ForCausalLM chat model directory (ChatML template, random weights)."""
    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny-causal-lm"))


@pytest.fixture
def sample_article() -> Path:
    """The NTB sample article in seeds/."""
    return SEED_ARTICLE


@pytest.fixture(autouse=True)
def _isolated_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty NB2EN_CACHE_DIR, never the repository's ./cache."""
    cache_dir = tmp_path_factory.mktemp("nb2en-cache")
    monkeypatch.setenv("NB2EN_CACHE_DIR", str(cache_dir))
    return cache_dir


@pytest.fixture(autouse=True)
def _isolated_memory_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty NB2EN_MEMORY_DIR, never the user's translation memory."""
    memory_dir = tmp_path_factory.mktemp("nb2en-memory")
    monkeypatch.setenv("NB2EN_MEMORY_DIR", str(memory_dir))
    return memory_dir
