"""The Ray engine's options and errors: where the pool runs and how big it is; none of it changes an output."""

from __future__ import annotations

from dataclasses import dataclass

from translate.errors import ModelLoadError, Nb2enError, UsageError
from translate.pipeline import CACHE_WRITE_CHUNK
from translate.settings import Device, Settings

NAMESPACE = "nb2en"
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_MAX_RESTARTS = 3
DEFAULT_PROBE_TIMEOUT_S = 10.0
DEFAULT_START_TIMEOUT_S = 600.0
# Windows queued on one actor at a time: the next one waits in its mailbox, so the actor
# never idles for a round trip; more would only make a lost actor cost more retries.
IN_FLIGHT_PER_ACTOR = 2
# Largest window per actor call: CPU backends pack batches of 16, GPU ones of up to 128.
MAX_WINDOW_TEXTS_CPU = 64
MAX_WINDOW_TEXTS_GPU = 512
# The local Ray moves only short strings; a small object store keeps /dev/shm free.
LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024
DEFAULT_RAY_PORT = 6379


class RayUnavailableError(ModelLoadError):
    """Ray could not be reached or started, or no actor could load the model: the run stops."""


class RayWindowLostError(Nb2enError):
    """A window of sentences was lost with its actor more often than allowed."""


@dataclass(frozen=True)
class RayOptions:
    """How the actor pool is placed; none of this changes an output.

    ``actors`` None: as many as the cluster's CPUs (or GPUs, with ``gpus_per_actor``)
    allow; for a local Ray, as many as this machine's CPUs allow.
    """

    address: str | None = None
    actors: int | None = None
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    window_texts: int | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_restarts: int = DEFAULT_MAX_RESTARTS
    probe_timeout_s: float = DEFAULT_PROBE_TIMEOUT_S
    start_timeout_s: float = DEFAULT_START_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.actors is not None and self.actors < 1:
            raise UsageError(f"--actors must be at least 1 (got {self.actors}).")
        if self.cpus_per_actor <= 0:
            raise UsageError(f"--cpus-per-actor must be more than 0 (got {self.cpus_per_actor}).")
        if self.gpus_per_actor < 0:
            raise UsageError(f"--gpus-per-actor cannot be negative (got {self.gpus_per_actor}).")
        if self.window_texts is not None and self.window_texts < 1:
            raise UsageError(f"The window must hold at least one sentence (got {self.window_texts}).")
        if self.max_attempts < 1:
            raise UsageError(f"max_attempts must be at least 1 (got {self.max_attempts}).")


def settings_for_ray(settings: Settings, gpus_per_actor: float) -> Settings:
    """The run's settings as the actors will run them: GPU actors mean a CUDA backend.

    The driver makes the cache keys, so it must know the device the actors decode on even
    when it has no GPU itself: ``--device auto`` becomes ``cuda`` with ``--gpus-per-actor``;
    ``--device cuda`` without GPUs for the actors is refused.
    """
    if gpus_per_actor > 0 and settings.device is Device.cpu:
        raise UsageError("--gpus-per-actor needs the actors on CUDA: leave out --device cpu (or pass --device cuda).")
    if gpus_per_actor <= 0 and settings.device is Device.cuda:
        raise UsageError("--device cuda with --engine ray needs GPUs for the actors: add --gpus-per-actor 1.")
    if gpus_per_actor > 0 and settings.device is Device.auto:
        return settings.replace(device=Device.cuda)
    if gpus_per_actor <= 0 and settings.device is Device.auto:
        from translate.devices import cuda_available

        if cuda_available():  # the driver's GPU is not the actors': they run on CPUs
            return settings.replace(device=Device.cpu)
    return settings


def default_window_sentences(actors: int | None, gpus_per_actor: float) -> int:
    """Sentences per window of articles: enough misses in flight to keep every actor busy."""
    per_actor = (MAX_WINDOW_TEXTS_GPU if gpus_per_actor > 0 else MAX_WINDOW_TEXTS_CPU) * IN_FLIGHT_PER_ACTOR
    return max(CACHE_WRITE_CHUNK, per_actor * (actors or 8))
