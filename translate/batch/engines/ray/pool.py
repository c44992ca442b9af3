"""The driver's actor pool: windows of cache misses sent to Ray actors, answers put back in order."""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from translate.backends.base import TranslationBackend
from translate.batch.engines.ray.actor import MissWorker, WorkerSpec
from translate.batch.engines.ray.address import check_address
from translate.batch.engines.ray.options import (
    IN_FLIGHT_PER_ACTOR,
    LOCAL_OBJECT_STORE_BYTES,
    MAX_WINDOW_TEXTS_CPU,
    MAX_WINDOW_TEXTS_GPU,
    NAMESPACE,
    RayOptions,
    RayUnavailableError,
    RayWindowLostError,
)
from translate.errors import Nb2enError, UsageError
from translate.faithful import Translation



@dataclass
class _Slot:
    """One actor of the pool and what it costs us so far."""

    index: int
    actor: object
    in_flight: int = 0
    # After a lost window the actor gets no work until a health probe (``ready``, which also
    # reloads the model in a restarted actor) answers; ``failures`` counts failed probes.
    probe: object | None = None
    failures: int = 0
    alive: bool = True
    info: dict = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.alive and self.probe is None


def _lost_errors() -> tuple[type[BaseException], ...]:
    """Ray errors that mean "the worker (or its node) went away", not "the code failed"."""
    from ray import exceptions as rx

    return (rx.RayActorError, rx.WorkerCrashedError, rx.NodeDiedError, rx.ObjectLostError, rx.OutOfMemoryError)


class RayMissTranslator:
    """A miss translator whose work runs on Ray actors (see the package docstring, translate.batch.engines.ray).

    ``backend`` is the driver's (unloaded) backend: it says what every actor must build, and
    its identity is what the driver's cache keys are made from. Call it like a function
    (``translator(texts)``) or ``translate_misses(texts)``; ``close()`` (or ``with``)
    removes the actors and stops a Ray that it started. ``on_dispatch(actor_index,
    window_number)`` is called after each window is sent (progress, tests).
    """

    def __init__(
        self,
        backend: TranslationBackend,
        repair: bool = True,
        options: RayOptions | None = None,
        on_dispatch: Callable[[int, int], None] | None = None,
    ):
        self.options = options or RayOptions()
        self.expected_identity = backend.identity()
        self.address = self.options.address or os.environ.get("RAY_ADDRESS") or None
        self.on_dispatch = on_dispatch
        self.load_seconds = 0.0
        self.stats = {"windows": 0, "retried_windows": 0, "lost_windows": 0, "actors_lost": 0}
        self.warnings: list[str] = []
        cpu_threads = None if self.options.gpus_per_actor > 0 else max(1, int(self.options.cpus_per_actor))
        if self.address is None and backend.cache_dir is None:
            cache_dir = None  # the actors inherit this process's environment and resolve it alike
        elif self.address is None:
            cache_dir = str(Path(backend.cache_dir).resolve())
        else:
            cache_dir = str(backend.cache_dir) if backend.cache_dir is not None else None
        self.spec = WorkerSpec.from_backend(backend, repair, cpu_threads, cache_dir)
        self._slots: list[_Slot] = []
        self._started = False
        self._started_ray = False
        if self.address and not _ray_initialized():
            check_address(self.address, self.options.probe_timeout_s)

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> "RayMissTranslator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Connect to (or start) Ray and bring up the actors with the model loaded; idempotent."""
        if self._started:
            return
        started = time.perf_counter()
        ray = _import_ray()
        self._init_ray(ray)
        try:
            self._start_actors(ray)
        except BaseException:
            self.close()
            raise
        self._started = True
        self.load_seconds += time.perf_counter() - started

    def _init_ray(self, ray) -> None:
        if ray.is_initialized():
            return
        common = {"log_to_driver": False, "logging_level": logging.ERROR, "namespace": NAMESPACE}
        keep_sigterm = _SigtermKept()  # ray.init installs its own SIGTERM handler: keep the CLI's clean stop
        try:
            if self.address:
                ray.init(address=self.address, **common)
            else:
                wanted = self.options.actors or _local_cpu_count()
                ray.init(
                    address="local",  # a new Ray of our own, even if this machine runs a cluster
                    num_cpus=max(1, math.ceil(wanted * self.options.cpus_per_actor)),
                    object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                    include_dashboard=False,
                    **common,
                )
                self._started_ray = True
        except Exception as error:  # noqa: BLE001 - any failure to start or join Ray reads the same to a user
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray"
            raise RayUnavailableError(
                f"Could not connect to {where} ({_one_line(error)}). "
                "Check --ray-address, or leave it out to run Ray on this machine."
            ) from None
        finally:
            keep_sigterm.restore()

    def _actor_count(self, ray) -> int:
        if self.options.actors:
            return self.options.actors
        resources = ray.cluster_resources()
        if self.options.gpus_per_actor > 0:
            return max(1, int(resources.get("GPU", 0) // self.options.gpus_per_actor))
        return max(1, int(resources.get("CPU", 1) // self.options.cpus_per_actor))

    def _start_actors(self, ray) -> None:
        count = self._actor_count(ray)
        if self._started_ray and self.options.gpus_per_actor > 0:
            have = ray.cluster_resources().get("GPU", 0)
            need = count * self.options.gpus_per_actor
            if have < need:
                raise RayUnavailableError(
                    f"This machine has {have:g} GPU(s); {count} actor(s) x --gpus-per-actor "
                    f"{self.options.gpus_per_actor:g} need {need:g}. Lower --actors or --gpus-per-actor, "
                    "or pass --ray-address of a cluster with GPUs."
                )
        worker_class = ray.remote(MissWorker)
        for index in range(count):
            actor = worker_class.options(
                num_cpus=self.options.cpus_per_actor,
                num_gpus=self.options.gpus_per_actor,
                max_restarts=self.options.max_restarts,
                max_task_retries=0,  # a lost window is re-sent by us, to whichever actor is free
            ).remote(self.spec)
            self._slots.append(_Slot(index, actor))
        pending = {slot.actor.ready.remote(): slot for slot in self._slots}
        deadline = time.monotonic() + self.options.start_timeout_s
        while pending and time.monotonic() < deadline:
            done, _ = ray.wait(list(pending), num_returns=1, timeout=min(1.0, max(0.0, deadline - time.monotonic())))
            for ref in done:
                slot = pending.pop(ref)
                try:
                    slot.info = ray.get(ref)
                except _lost_errors() as error:
                    slot.alive = False
                    self.warnings.append(f"Ray actor {slot.index} died while loading the model ({_one_line(error)}).")
                except ray.exceptions.RayTaskError as error:
                    raise _task_cause(error) from None
        for slot in pending.values():  # never placed (no free resources) or never finished loading
            slot.alive = False
            ray.kill(slot.actor, no_restart=True)
        ready = [slot for slot in self._slots if slot.alive]
        if not ready:
            raise RayUnavailableError(
                f"No Ray actor could load the model within {self.options.start_timeout_s:g} s "
                f"({count} asked for, each with {self.options.cpus_per_actor:g} CPU and "
                f"{self.options.gpus_per_actor:g} GPU; the cluster has {_resources_text(ray)}). "
                "Lower --cpus-per-actor/--gpus-per-actor, or add nodes."
            )
        if len(ready) < count:
            self.warnings.append(f"Only {len(ready)} of {count} Ray actors started; going on with those.")
        for slot in ready:
            self._check_actor(slot)

    def _check_actor(self, slot: _Slot) -> None:
        """An actor must run the same code and build the same backend as the driver."""
        info = slot.info
        if info.get("versions") != self.spec.versions:
            raise RayUnavailableError(
                f"The Ray actor on {info.get('host')} runs {info.get('versions')}, this driver {self.spec.versions}. "
                "Install the same nb2en version on every node."
            )
        if info.get("identity") != self.expected_identity:
            raise RayUnavailableError(
                f"The Ray actor on {info.get('host')} built {info.get('identity')}, but this run's cache keys are for "
                f"{self.expected_identity}. Give every node the same model files and nb2en version."
            )

    def close(self) -> None:
        """Remove the actors; stop Ray if this translator started it. Safe to call twice."""
        ray = sys.modules.get("ray")
        if ray is not None and ray.is_initialized():
            for slot in self._slots:
                try:
                    ray.kill(slot.actor, no_restart=True)
                except Exception:  # noqa: BLE001 - an actor already gone is what we want
                    continue
            if self._started_ray:
                ray.shutdown()
        self._slots = []
        self._started = False
        self._started_ray = False

    # ------------------------------------------------------------------ work

    def __call__(self, texts: list[str]) -> list[Translation]:
        return self.translate_misses(texts)

    def actor_pids(self) -> list[int]:
        """Process ids of the live actors (for operators and tests)."""
        self.start()
        ray = _import_ray()
        return ray.get([slot.actor.pid.remote() for slot in self._slots if slot.alive])

    def translate_misses(self, texts: list[str]) -> list[Translation]:
        """Translate ``texts`` on the actors; results in input order, one per text."""
        if not texts:
            return []
        self.start()
        ray = _import_ray()
        windows = self._windows(len(texts))
        results: list[list[Translation] | None] = [None] * len(windows)
        attempts = [0] * len(windows)
        queue = deque(range(len(windows)))
        in_flight: dict = {}  # window ref -> (window number, slot)
        while queue or in_flight:
            self._dispatch(queue, in_flight, windows, texts, attempts)
            probes = {slot.probe: slot for slot in self._slots if slot.probe is not None}
            if not in_flight and not probes:
                raise self._no_actors_left()
            done, _ = ray.wait([*in_flight, *probes], num_returns=1, timeout=1.0)
            for ref in done:
                if ref in probes:
                    self._probe_answered(ray, probes[ref])
                    continue
                number, slot = in_flight.pop(ref)
                slot.in_flight -= 1
                try:
                    outputs = ray.get(ref)
                except self._lost_errors as error:
                    self._window_lost(slot, number, attempts, error, len(windows[number]))
                    queue.appendleft(number)
                    continue
                except ray.exceptions.RayTaskError as error:
                    raise _task_cause(error) from None
                if len(outputs) != len(windows[number]):
                    raise RuntimeError(f"a Ray actor returned {len(outputs)} results for {len(windows[number])} texts")
                results[number] = outputs
        ordered: list[Translation | None] = [None] * len(texts)
        for indices, outputs in zip(windows, results):
            for i, translation in zip(indices, outputs):
                ordered[i] = translation
        return ordered  # type: ignore[return-value]

    @property
    def _lost_errors(self) -> tuple[type[BaseException], ...]:
        return _lost_errors()

    def _windows(self, count: int) -> list[list[int]]:
        """Contiguous windows of text indices, two per actor (or ``window_texts`` each).

        The pipeline sends misses longest first, so a contiguous window holds texts of
        similar length: the backend packs them into full batches (a batch never mixes
        length caps). Any cut gives the same results (see ``TranslationBackend.generate``);
        this one only decides speed.
        """
        alive = max(1, sum(slot.alive for slot in self._slots))
        ceiling = MAX_WINDOW_TEXTS_GPU if self.options.gpus_per_actor > 0 else MAX_WINDOW_TEXTS_CPU
        size = self.options.window_texts or min(ceiling, math.ceil(count / (alive * IN_FLIGHT_PER_ACTOR)))
        return [list(range(start, min(count, start + size))) for start in range(0, count, size)]

    def _dispatch(self, queue: deque, in_flight: dict, windows, texts, attempts) -> None:
        while queue:
            free = [slot for slot in self._slots if slot.usable and slot.in_flight < IN_FLIGHT_PER_ACTOR]
            if not free:
                return
            slot = min(free, key=lambda s: (s.in_flight, s.index))
            number = queue.popleft()
            attempts[number] += 1
            ref = slot.actor.translate.remote([texts[i] for i in windows[number]])
            in_flight[ref] = (number, slot)
            slot.in_flight += 1
            self.stats["windows"] += 1
            if self.on_dispatch is not None:
                self.on_dispatch(slot.index, number)

    def _window_lost(self, slot: _Slot, number: int, attempts: list[int], error: BaseException, size: int) -> None:
        """A window was lost with its actor: probe the actor; give up on the window when due."""
        if slot.alive and slot.probe is None:
            self.stats["actors_lost"] += 1
            slot.probe = slot.actor.ready.remote()
        if attempts[number] >= self.options.max_attempts:
            self.stats["lost_windows"] += 1
            raise RayWindowLostError(
                f"A window of {size} sentence(s) was lost with its Ray actor {attempts[number]} times "
                f"({_one_line(error)}). Check the Ray logs of the workers (memory, node loss) and run again."
            )
        self.stats["retried_windows"] += 1

    def _probe_answered(self, ray, slot: _Slot) -> None:
        """A health probe came back: the actor works again, or one more restart is used up."""
        ref, slot.probe = slot.probe, None
        try:
            slot.info = ray.get(ref)
        except self._lost_errors:
            slot.failures += 1
            if slot.failures > self.options.max_restarts:
                slot.alive = False
            else:
                slot.probe = slot.actor.ready.remote()
            return
        except ray.exceptions.RayTaskError as error:
            raise _task_cause(error) from None
        slot.failures = 0
        self._check_actor(slot)

    def _no_actors_left(self) -> RayUnavailableError:
        return RayUnavailableError(
            "Every Ray actor died more often than it may be restarted. Check the Ray worker logs "
            "(out of memory?) and run again; finished files are kept."
        )


# ---------------------------------------------------------------------------- helpers


class _SigtermKept:
    """Remember the SIGTERM handler now; ``restore`` puts it back (main thread only)."""

    def __init__(self):
        import signal
        import threading

        self._main = threading.current_thread() is threading.main_thread()
        self._handler = signal.getsignal(signal.SIGTERM) if self._main else None

    def restore(self) -> None:
        import signal

        if self._main and self._handler is not None:
            signal.signal(signal.SIGTERM, self._handler)


def _ray_initialized() -> bool:
    ray = sys.modules.get("ray")
    return bool(ray is not None and ray.is_initialized())


def _import_ray():
    try:
        import ray
    except ImportError:
        raise UsageError('The Ray engine needs Ray: pip install "nb2en[ray]". Or use --engine local.') from None
    return ray


def _local_cpu_count() -> int:
    from translate.backends.ctranslate2_backend import usable_cpu_count

    return usable_cpu_count()


def _task_cause(error) -> BaseException:
    """The exception raised inside an actor: nb2en's own errors keep their message and exit code."""
    cause = getattr(error, "cause", None)
    if isinstance(cause, Nb2enError):
        return cause
    return RuntimeError(f"A Ray actor failed: {_one_line(cause or error)}")


def _resources_text(ray) -> str:
    try:
        resources = ray.cluster_resources()
    except Exception:  # noqa: BLE001 - only used to word an error message
        return "unknown resources"
    return f"{resources.get('CPU', 0):g} CPU, {resources.get('GPU', 0):g} GPU"


def _one_line(error: BaseException | object, limit: int = 300) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
