"""Backend registry: names to classes, and how ``auto`` chose (said in the output).

Importing this module imports no model library; each backend imports its own in ``load``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from translate import devices
from translate.backends.base import DecodingSettings, Generation, TranslationBackend
from translate.errors import DeviceUnavailableError, UsageError
from translate.models import ModelRef, require_marian
from translate.settings import Backend

# The choices are the settings' Enum (one owner); plain strings here for callers that pass them.
BACKEND_NAMES = tuple(member.value for member in Backend)


@dataclass(frozen=True)
class BackendChoice:
    """The backend, device and compute type chosen, and why (for users who asked for auto)."""

    backend: str
    device: str
    compute_type: str
    reason: str


def choose_backend(backend: str = "auto", device: str = "auto", model: ModelRef | None = None) -> BackendChoice:
    """Resolve ``auto`` for backend and device; pick the compute type for the pair.

    ``auto`` means ctranslate2 where it can run: installed, and (when ``model`` is given)
    a Marian model with the sentencepiece files it tokenizes with; else transformers.
    Nothing heavy is imported here except on a machine with an NVIDIA driver. A model that
    is not Marian and a CUDA device that is not there are refused here, before any load.
    """
    if backend not in BACKEND_NAMES:
        raise UsageError(f"Unknown backend '{backend}'. Choose one of: {', '.join(BACKEND_NAMES)}.")
    if model is not None:
        require_marian(model)
    reasons = []
    requested, device = device, devices.resolve_device(device)
    if requested == "auto":
        reasons.append(f"device auto -> {device}")
    if backend == "auto":
        backend, why = _auto_backend(model)
        reasons.append(f"backend auto -> {backend} ({why})")
    if backend == "ctranslate2":
        compute_type = _ctranslate2_cuda_compute_type() if device == "cuda" else "int8"
    else:
        compute_type = "float16" if device == "cuda" else "float32"
    return BackendChoice(backend, device, compute_type, "; ".join(reasons) or "as requested")


def _auto_backend(model: ModelRef | None) -> tuple[str, str]:
    if importlib.util.find_spec("ctranslate2") is None:
        return "transformers", "ctranslate2 not installed"
    if model is not None:
        from translate.backends.ctranslate2_backend import can_run

        why_not = can_run(model.path)
        if why_not:
            return "transformers", f"ctranslate2 cannot run it: {why_not}"
    return "ctranslate2", "installed"


def _ctranslate2_cuda_compute_type() -> str:
    """int8_float16 where the GPU supports it, else float16, else float32 (old GPUs)."""
    try:
        import ctranslate2

        supported = ctranslate2.get_supported_compute_types("cuda")
    except (ImportError, RuntimeError, ValueError):
        return "int8_float16"  # loading will then say clearly what is wrong with the device
    for compute_type in ("int8_float16", "float16", "float32"):
        if compute_type in supported:
            return compute_type
    return "int8_float16"


def create_backend(
    model: ModelRef,
    choice: BackendChoice,
    decoding: DecodingSettings | None = None,
    cache_dir: Path | None = None,
    threads: int | None = None,
) -> TranslationBackend:
    """Instantiate (but do not load) the backend named in ``choice``; ``threads`` CPU threads (None: default)."""
    if choice.device == "cuda" and not devices.cuda_available():
        raise DeviceUnavailableError(choice.device)
    if choice.backend == "ctranslate2":
        from translate.backends.ctranslate2_backend import CTranslate2Backend as backend_class
    else:
        from translate.backends.transformers_backend import TransformersBackend as backend_class
    backend = backend_class(
        model, device=choice.device, compute_type=choice.compute_type, decoding=decoding, cache_dir=cache_dir
    )
    backend.cpu_threads = threads
    return backend


__all__ = [
    "BACKEND_NAMES",
    "BackendChoice",
    "DecodingSettings",
    "Generation",
    "TranslationBackend",
    "choose_backend",
    "create_backend",
]
