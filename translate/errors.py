"""One error hierarchy whose messages tell the user what to do next.

The CLI maps ``UsageError`` to exit code 2 and every other ``Nb2enError`` to 1,
printing ``str(error)`` without a traceback unless ``--debug`` is given.
"""

from __future__ import annotations


class Nb2enError(Exception):
    """Base error: the message is one or two plain sentences ending in advice."""

    exit_code = 1


class UsageError(Nb2enError):
    """Bad usage or bad input: a missing path, a directory, a binary or undecodable file."""

    exit_code = 2


class InputError(UsageError):
    """The input file cannot be read as text."""


class ModelLoadError(Nb2enError):
    """A model could not be found or loaded."""


class ModelNotAvailableOffline(ModelLoadError):
    """A hub model id is not in the local Hugging Face cache."""

    def __init__(
        self, model_id: str, role: str = "Model", alternatives: str = "or pass --model with a local directory"
    ):
        self.model_id = model_id
        super().__init__(
            f"{role} '{model_id}' is not available offline. "
            f"Run `nb2en models download {model_id}` on a machine with internet access, {alternatives}."
        )


class CacheError(Nb2enError):
    """The SQLite cache is unreadable or corrupt."""

    def __init__(self, path, reason: str, clear_command: str = "nb2en cache clear"):
        self.path = path
        self.reason = reason
        super().__init__(
            f"The cache at {path} cannot be used ({reason}). "
            f"Run `{clear_command}` to start a fresh cache, or pass --no-cache."
        )


class OutputError(Nb2enError):
    """An output file or folder cannot be written."""

    exit_code = 2


# --- added for the core reshape (issues 10 and 11) -------------------------------------------


class BatchInterrupted(Nb2enError):
    """A stop was requested (Ctrl-C, SIGTERM) while a batch was searching or planning."""

    exit_code = 130

    def __init__(self, message: str = "Interrupted before any file was started; run the same command again to resume."):
        super().__init__(message)


class SameFileError(UsageError):
    """The output path names the input file (directly, through a link or another spelling)."""


# --- issue 10/11 (harden): models, devices and caches, each failure with its own message ---------


class DeviceUnavailableError(UsageError):
    """``--device cuda`` on a machine where no CUDA GPU can be used."""

    def __init__(self, device: str = "cuda"):
        self.device = device
        super().__init__(
            f"{device.upper()} was requested but no GPU is available; use --device cpu or auto."
        )


class ModelNotFoundError(ModelLoadError):
    """A model path that does not exist, or a folder with no model in it (bad usage: exit 2)."""

    exit_code = 2


class NotATranslationModelError(ModelLoadError):
    """``--model`` names a model that is not a Marian translation model (bad usage: exit 2)."""

    exit_code = 2


class ModelCorruptError(ModelLoadError):
    """A model whose files are there but incomplete, damaged or unloadable."""


class CachePermissionError(CacheError):
    """The cache cannot be created, read or written for lack of permission (never 'clear it')."""

    def __init__(self, path, reason: str, advice: str = "Pass --cache-dir with a folder you may write, or --no-cache."):
        self.path = path
        self.reason = reason
        Nb2enError.__init__(self, f"The cache at {path} cannot be used ({reason}). {advice}")


class CacheReadOnlyError(CachePermissionError):
    """A write to a cache that was opened read-only (a read-only mount, a file you may not write)."""

    def __init__(self, path, reason: str = "it is read-only"):
        super().__init__(path, reason, "Cached results are still served; new results are not cached.")


# --- issue 25: the translation memory ---------------------------------------------------------


class MemoryStoreError(Nb2enError):
    """The translation memory file cannot be opened or written (the work failed: exit 1)."""


class MemoryFileError(UsageError):
    """A file given to ``nb2en memory import`` is unreadable or malformed (``FILE:LINE: ...``)."""
