"""Running the app on uvicorn: logging, proxy headers, SIGTERM drain, load failures.

SIGTERM (and Ctrl-C) make the server stop accepting connections and refuse new requests
(503); requests in flight may finish for ``drain_s`` seconds. Then whatever still waits for
the model is answered 503 (JSON), the model stops between batches (a batch still running
is not waited for), and the process exits 0 a moment later, without a traceback.
A model that fails to load stops the server and is raised to the CLI (exit 1).

API keys never reach the access log: ``RedactKeys`` masks them in query strings.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import re
import signal
import socket
import sys
import threading

from translate.serve.app import create_app
from translate.serve.service import Service

log = logging.getLogger("nb2en.serve")


# Seconds between the end of the drain (queued work answered 503) and uvicorn's cut-off.
ANSWER_GRACE_S = 2.0
# Seconds the process waits, after the server stopped, for a model batch still running.
MODEL_STOP_S = 1.0
_KEY_IN_QUERY = re.compile(r"((?:^|[?&])(?:api_?key|apiKey|key|token)=)[^&\s\"]*", re.IGNORECASE)


class RedactKeys(logging.Filter):
    """Mask API keys in the access log's request line (``?api_key=***``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            args = list(record.args)
            args[2] = _KEY_IN_QUERY.sub(r"\1***", args[2])
            record.args = tuple(args)
        return True


def logging_config(level: str = "info") -> dict:
    """uvicorn's own logging configuration, with nb2en's logger on the same stderr handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["nb2en"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    config.setdefault("filters", {})["redact_keys"] = {"()": RedactKeys}
    config["handlers"]["access"].setdefault("filters", []).append("redact_keys")
    return config


def draining_server_class():
    """``uvicorn.Server`` whose shutdown drains the service first (imported late: uvicorn is heavy)."""
    import uvicorn

    class DrainingServer(uvicorn.Server):
        service: Service
        drain_s: float = 10.0

        async def shutdown(self, sockets=None) -> None:
            self.service.begin_drain()
            log.info("draining: finishing requests in flight for up to %g s", self.drain_s)
            stop = asyncio.get_running_loop().call_later(
                self.drain_s, lambda: asyncio.ensure_future(self.service.stop_work())
            )
            try:
                await super().shutdown(sockets)
            finally:
                stop.cancel()

    return DrainingServer


def build_server(
    service: Service,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    forwarded_allow_ips: str | None = None,
    graceful_s: float | None = None,
    log_level: str = "info",
    access_log: bool = True,
    max_connections: int = 512,
    root_path: str = "",
):
    """A ``uvicorn.Server`` for the service, plus the list its load failure (if any) lands in.

    ``graceful_s`` (default: the service's ``drain_s``) is how long requests may finish after SIGTERM.
    """
    import uvicorn

    from translate.serve.limits import header_timeout_protocol

    drain_s = service.options.drain_s if graceful_s is None else graceful_s

    failures: list[BaseException] = []
    holder: dict = {}

    def on_load_failed(error: BaseException) -> None:
        failures.append(error)
        holder["server"].should_exit = True

    config = uvicorn.Config(
        create_app(service, on_load_failed=on_load_failed),
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        timeout_graceful_shutdown=drain_s + ANSWER_GRACE_S,
        http=header_timeout_protocol(service.options.header_timeout_s),
        timeout_keep_alive=5,
        limit_concurrency=max_connections,
        log_config=logging_config(log_level),
        log_level=log_level,
        access_log=access_log,
        lifespan="on",
        root_path=root_path,
    )
    server = draining_server_class()(config)
    server.service = service
    server.drain_s = drain_s
    holder["server"] = server
    return server, failures


def serve(service: Service, sockets: list[socket.socket] | None = None, **server_options) -> None:
    """Serve until SIGTERM/SIGINT; raise the model's load error if it could not load."""
    server, failures = build_server(service, **server_options)
    in_main = threading.current_thread() is threading.main_thread()
    # uvicorn re-raises the signal it caught once it has shut down gracefully; with the
    # default SIGTERM handler that would kill the process (exit 143). This one makes the
    # re-raised SIGTERM a no-op, so a graceful stop exits 0.
    previous = signal.signal(signal.SIGTERM, _ignore) if in_main else None
    try:
        server.run(sockets=sockets)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    if failures:
        raise failures[0]
    if in_main and not service.batcher.wait_model_idle(MODEL_STOP_S):
        # A model batch is still running in native code (its requests were answered 503).
        # Finalizing the interpreter under it would abort the process; leave at once instead.
        log.info("stopped while the model was mid-batch; exiting without waiting for it")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _ignore(signum, frame) -> None:
    log.debug("signal %s after shutdown ignored", signum)
