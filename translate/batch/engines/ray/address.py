"""Probing a Ray address before ``ray.init``, which retries an unreachable one for many minutes."""

from __future__ import annotations

import socket

from translate.batch.engines.ray.options import DEFAULT_PROBE_TIMEOUT_S, DEFAULT_RAY_PORT, RayUnavailableError
from translate.errors import UsageError



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
