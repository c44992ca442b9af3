"""Running the app on uvicorn: logging, proxy headers, graceful SIGTERM, load failures.

SIGTERM (and Ctrl-C) make uvicorn stop accepting connections and finish the requests in
flight for up to ``graceful_s`` seconds; the process then exits 0 without a traceback.
A model that fails to load stops the server and is raised to the CLI (exit 1).
"""

from __future__ import annotations

import copy
import logging
import signal
import socket
import threading

from translate.serve.app import create_app
from translate.serve.service import Service

log = logging.getLogger("nb2en.serve")


def logging_config(level: str = "info") -> dict:
    """uvicorn's own logging configuration, with nb2en's logger on the same stderr handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["nb2en"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def build_server(
    service: Service,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    forwarded_allow_ips: str | None = None,
    graceful_s: float = 10.0,
    log_level: str = "info",
    access_log: bool = True,
    max_connections: int = 512,
    root_path: str = "",
):
    """A ``uvicorn.Server`` for the service, plus the list its load failure (if any) lands in."""
    import uvicorn

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
        timeout_graceful_shutdown=graceful_s,
        timeout_keep_alive=5,
        limit_concurrency=max_connections,
        log_config=logging_config(log_level),
        log_level=log_level,
        access_log=access_log,
        lifespan="on",
        root_path=root_path,
    )
    server = uvicorn.Server(config)
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


def _ignore(signum, frame) -> None:
    log.debug("signal %s after shutdown ignored", signum)
