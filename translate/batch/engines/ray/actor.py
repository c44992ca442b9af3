"""The Ray actor: builds exactly the driver's backend and runs the faithful translation of a window."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from translate.backends.base import DecodingSettings, TranslationBackend
from translate.errors import ModelLoadError
from translate.faithful import Translation



@dataclass(frozen=True)
class WorkerSpec:
    """What an actor needs to build exactly the driver's backend (picklable, no paths required)."""

    model_id: str
    revision: str
    backend: str
    device: str
    compute_type: str
    decoding: DecodingSettings
    cache_dir: str | None
    repair: bool
    cpu_threads: int | None
    versions: dict = field(default_factory=dict)

    @classmethod
    def from_backend(
        cls, backend: TranslationBackend, repair: bool, cpu_threads: int | None, cache_dir: str | None
    ) -> "WorkerSpec":
        return cls(
            model_id=backend.model.id,
            revision=backend.model.revision,
            backend=backend.name,
            device=backend.device,
            compute_type=backend.compute_type,
            decoding=backend.decoding,
            cache_dir=cache_dir,
            repair=repair,
            cpu_threads=cpu_threads,
            versions=code_versions(),
        )


def code_versions() -> dict:
    """The versions of the code that decide an output; driver and actors must agree."""
    import translate
    from translate.faithful import FAITHFUL_VERSION

    return {"nb2en": translate.__version__, "faithful": FAITHFUL_VERSION}


class MissWorker:
    """The actor body: one backend, loaded once (again after a restart), faithful translation.

    Made a Ray actor class by ``ray.remote`` at start time, so importing this module never
    imports Ray.
    """

    def __init__(self, spec: WorkerSpec):
        self.spec = spec
        self.backend: TranslationBackend | None = None

    def _ensure_backend(self) -> TranslationBackend:
        if self.backend is None:
            from translate.backends import BackendChoice, create_backend
            from translate.models import resolve_model

            spec = self.spec
            model = resolve_model(spec.model_id)
            if model.revision != spec.revision:
                raise ModelLoadError(
                    f"The model {spec.model_id} on Ray node {socket.gethostname()} is revision {model.revision}, "
                    f"the driver's is {spec.revision}. Put the same model files on every node "
                    "(`nb2en models download`, or one shared folder)."
                )
            choice = BackendChoice(spec.backend, spec.device, spec.compute_type, "ray actor")
            backend = create_backend(model, choice, spec.decoding, Path(spec.cache_dir) if spec.cache_dir else None)
            if spec.cpu_threads and hasattr(backend, "cpu_threads"):
                backend.cpu_threads = spec.cpu_threads
            backend.ensure_loaded()
            self.backend = backend
        return self.backend

    def ready(self) -> dict:
        """Load the model; say who this actor is and what it runs (checked by the driver)."""
        started = time.perf_counter()
        backend = self._ensure_backend()
        return {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "identity": backend.identity(),
            "versions": code_versions(),
            "load_s": round(time.perf_counter() - started, 3),
        }

    def pid(self) -> int:
        return os.getpid()

    def translate(self, texts: list[str]) -> list[Translation]:
        from translate.faithful import translate_texts

        return translate_texts(self._ensure_backend(), texts, repair=self.spec.repair)
