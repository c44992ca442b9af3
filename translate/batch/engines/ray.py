"""The Ray batch engine: cache misses translated by a pool of Ray actors, one model each.

``RayEngine`` is what ``nb2en batch --engine ray`` builds (see ``translate.batch.engines``);
``RayMissTranslator`` is the actor pool it gives the Translator as its miss translator.

Who owns what. The driver (the ``nb2en batch`` process) keeps the plan, the SQLite cache,
the writes and the report; this module only replaces *how the cache misses are computed*.
``RayMissTranslator`` is a miss translator: unique source texts in, one ``Translation``
each out, in order. It cuts the texts into windows, sends them to actors and puts the
answers back in order. Each actor builds the very backend the driver would have built
(same model revision, backend, device, compute type, decoding settings) and runs the same
``translate.faithful.translate_texts`` over its window, so the results equal the local
engine's; the driver checks the actors' backend identity and nb2en version before it sends
them anything. No database is shared over the network: actors never see the cache.

Faults. A window whose actor died (its process killed, its node lost) is sent again to a
live actor (up to ``max_attempts`` sends); actors are restarted by Ray (``max_restarts``)
and load the model again. Results are only ever returned once per window, so nothing is
lost and nothing is written twice. A window that failed ``max_attempts`` times raises
``RayWindowLostError`` (the batch reports those files failed and goes on); no actor left,
or none that could start, raises ``RayUnavailableError`` (a ``ModelLoadError``: the run stops).

Where Ray runs. ``address`` (or ``$RAY_ADDRESS``, as set inside a Ray job) connects to a
cluster; the address is probed first (TCP, then a gRPC handshake, bounded by
``probe_timeout_s``) because ``ray.init`` on an unreachable address retries for many
minutes. Without an address a small local Ray is started (and shut down by ``close``).
Ray is imported only here and only when the pool is started (at the first cache miss, so
a re-run with nothing left to do never starts Ray).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from translate.backends.base import DecodingSettings, TranslationBackend
from translate.errors import ModelLoadError, Nb2enError, UsageError
from translate.faithful import Translation
from translate.pipeline import CACHE_WRITE_CHUNK, ArticleResult, PreparedArticle, Translator, translate_prepared
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
    """A miss translator whose work runs on Ray actors (see the module docstring).

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


# ---------------------------------------------------------------------------- the engine


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
        from translate.backends import cuda_available

        if cuda_available():  # the driver's GPU is not the actors': they run on CPUs
            return settings.replace(device=Device.cpu)
    return settings


def default_window_sentences(actors: int | None, gpus_per_actor: float) -> int:
    """Sentences per window of articles: enough misses in flight to keep every actor busy."""
    per_actor = (MAX_WINDOW_TEXTS_GPU if gpus_per_actor > 0 else MAX_WINDOW_TEXTS_CPU) * IN_FLIGHT_PER_ACTOR
    return max(CACHE_WRITE_CHUNK, per_actor * (actors or 8))


class RayEngine:
    """Windows of articles translated through the Translator, its misses by Ray actors.

    Everything but the miss computation (cache, keys, flags, articles) is the Translator's,
    as in the local engine; this engine swaps in a ``RayMissTranslator`` for the run and
    lets one call carry a whole window of misses, so every actor has work at once.
    """

    name = "ray"

    def __init__(
        self,
        translator: Translator,
        address: str | None = None,
        actors: int | None = None,
        cpus_per_actor: float = 1.0,
        gpus_per_actor: float = 0.0,
        **options,
    ):
        self.translator = translator
        self.misses = RayMissTranslator(
            translator.backend,
            repair=translator.settings.repair,
            options=RayOptions(
                address=address, actors=actors, cpus_per_actor=cpus_per_actor, gpus_per_actor=gpus_per_actor, **options
            ),
        )
        self._previous = (translator.translate_misses, translator.miss_chunk)
        translator.translate_misses = self.misses
        translator.miss_chunk = max(CACHE_WRITE_CHUNK, default_window_sentences(actors, gpus_per_actor))

    def translate_window(self, window: list[PreparedArticle]) -> list[ArticleResult]:
        return translate_prepared(window, self.translator)

    def close(self) -> None:
        """Remove the actors (and a Ray this engine started); give the Translator back its own misses."""
        try:
            self.misses.close()
        finally:
            self.translator.translate_misses, self.translator.miss_chunk = self._previous

    def __enter__(self) -> "RayEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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


def split_address(address: str) -> tuple[str, int]:
    """``host:port``, ``ray://host:port`` or ``host`` -> (host, port); Ray's default port when none."""
    rest = address.split("://", 1)[1] if "://" in address else address
    rest = rest.rstrip("/")
    if rest.startswith("["):  # [ipv6]:port
        host, _, port = rest[1:].partition("]")
        port = port.lstrip(":")
    else:
        host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
    if not port:
        default = 10001 if address.startswith("ray://") else DEFAULT_RAY_PORT
        return host, default
    try:
        return host, int(port)
    except ValueError:
        raise UsageError(f"Bad --ray-address '{address}': use host:port or ray://host:port.") from None


def check_address(address: str, timeout: float = DEFAULT_PROBE_TIMEOUT_S) -> None:
    """Fail fast, in about ``timeout`` seconds at most, when ``address`` is not a reachable Ray.

    ``auto`` is left to Ray (it fails at once when no local cluster is running).
    """
    if address == "auto":
        return
    host, port = split_address(address)
    advice = "Check --ray-address (host:port of the Ray head, or ray://host:10001), or leave it out to run Ray on this machine."
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise RayUnavailableError(f"Cannot reach the Ray cluster at {address} ({reason}). {advice}") from None
    try:
        import grpc  # comes with ray[default]; without it the TCP check has to do
    except ImportError:
        return
    channel = grpc.insecure_channel(f"{host}:{port}")
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
    except grpc.FutureTimeoutError:
        raise RayUnavailableError(
            f"Something answers at {address}, but not Ray (no gRPC handshake within {timeout:g} s). {advice}"
        ) from None
    finally:
        channel.close()


def _one_line(error: BaseException | object, limit: int = 300) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
