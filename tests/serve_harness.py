"""Start the real ``nb2en serve`` app for tests: uvicorn on 127.0.0.1, a free port, stopped after.

``running_server`` runs uvicorn in a thread of the test process (so a test can reach the
live ``Service``); ``serve_subprocess`` runs ``python -m translate serve`` as users do.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class LiveServer:
    url: str
    service: object


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def wait_healthy(url: str, timeout: float = 120.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            response = httpx.get(url + "/health", timeout=5)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.TransportError as error:
            last = repr(error)
        time.sleep(0.1)
    raise AssertionError(f"the server did not become healthy: {last}")


def serve_options(model_dir: Path, cache_dir: Path, *, no_cache: bool = False, **overrides):
    from translate.serve.service import ServeOptions
    from translate.settings import Settings

    settings = Settings(
        model=str(model_dir), device="cpu", cache_dir=cache_dir, use_cache=not no_cache, summarizer="extractive"
    )
    return ServeOptions(settings=settings, **overrides)


@contextlib.contextmanager
def running_server(model_dir: Path, cache_dir: Path, *, no_cache: bool = False, **overrides):
    """uvicorn with the real app in a thread; yields a LiveServer, stops it on exit."""
    from translate.serve.server import build_server
    from translate.serve.service import Service

    service = Service(serve_options(model_dir, cache_dir, no_cache=no_cache, **overrides))
    server, failures = build_server(service, access_log=False, graceful_s=5)
    sock = free_socket()
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="test-uvicorn")
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield LiveServer(url, service)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
    assert not thread.is_alive(), "the server did not stop"
    assert not failures, failures


def serve_command(model_dir: Path, cache_dir: Path, port: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "translate", "serve", "--model", str(model_dir), "--device", "cpu",
        "--cache-dir", str(cache_dir), "--port", str(port), "--summarizer", "extractive", *extra,
    ]


def subprocess_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env
