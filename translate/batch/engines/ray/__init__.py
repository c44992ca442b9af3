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

The package, one room each: ``options`` (RayOptions, errors, the settings and window the
actors run with), ``address`` (the probe), ``actor`` (MissWorker, WorkerSpec), ``pool``
(RayMissTranslator, the driver side) and ``engine`` (RayEngine).
"""

from translate.batch.engines.ray.address import check_address, split_address
from translate.batch.engines.ray.engine import RayEngine
from translate.batch.engines.ray.options import (
    RayOptions,
    RayUnavailableError,
    RayWindowLostError,
    default_window_sentences,
    settings_for_ray,
)
from translate.batch.engines.ray.pool import RayMissTranslator

__all__ = [
    "RayEngine",
    "RayMissTranslator",
    "RayOptions",
    "RayUnavailableError",
    "RayWindowLostError",
    "check_address",
    "default_window_sentences",
    "settings_for_ray",
    "split_address",
]
