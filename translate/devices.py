"""Where models run: ``--device auto`` resolved, and whether a CUDA GPU is there.

Its own module because the translation backends and the summarizers both resolve devices,
and the settings name them: each side imports this, and this imports only the settings' Enum.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from translate.errors import DeviceUnavailableError, UsageError
from translate.settings import Device

# The choices are the settings' Enum (one owner); plain strings here for callers that pass them.
DEVICE_NAMES = tuple(member.value for member in Device)


def cuda_available() -> bool:
    """Whether a CUDA GPU can be used, without importing torch where there is no driver."""
    if not Path("/proc/driver/nvidia/version").exists():
        return False
    if importlib.util.find_spec("ctranslate2") is not None:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    import torch

    return torch.cuda.is_available()


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> cuda or cpu; ``cuda`` only where a GPU can be used (else a usage error, exit 2).

    Checked before any model loads, so ``--device cuda`` on a CPU machine costs nothing.
    """
    if device not in DEVICE_NAMES:
        raise UsageError(f"Unknown device '{device}'. Choose one of: {', '.join(DEVICE_NAMES)}.")
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device == "cuda" and not cuda_available():
        raise DeviceUnavailableError(device)
    return device
