"""What one client may cost the server: body size (413) and pace (408), header time,
requests per minute (429), JSON depth.

A body whose ``Content-Length`` is over the limit is refused before any of it is read. A
body without one (chunked) is counted as it streams in and refused as soon as it passes
the limit, so memory never holds more than the limit. A body must keep up a minimum rate:
after ``body_timeout_s`` of grace, ``min_rate`` bytes a second on average (a client that
trickles a byte every few seconds is cut off as surely as one that stops); nothing waits on
the model for it, since a request only reaches the queue once its whole body is in.
Request headers must arrive within ``header_timeout_s`` of the connection (or of the last
answer on a kept-alive one), or the connection is closed (``header_timeout_protocol``).
"""

from __future__ import annotations

import asyncio
import collections
import json
import math
import time


class BodyTooLarge(Exception):
    """The request body is over ``--max-body-bytes``."""


class BodyTimeout(Exception):
    """The client stopped sending its request body."""


class BodyLimit:
    """Wrap an ASGI app; ``BodyTooLarge``/``BodyTimeout`` surface where the app reads the body."""

    def __init__(self, app, *, max_bytes: int, body_timeout_s: float = 30.0, min_rate: float = 0.0):
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout_s = body_timeout_s
        self.min_rate = min_rate

    @property
    def state(self):
        return self.app.state

    def too_large_message(self, size: int | None = None) -> str:
        got = f" ({size} bytes)" if size is not None else ""
        return f"Request body too large{got}: the limit is {self.max_bytes} bytes. Send a smaller text or file."

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _send_json(send, 413, {"error": self.too_large_message(declared)})
            return
        received = 0
        finished = False
        started = time.monotonic()

        async def limited_receive():
            nonlocal received, finished
            if finished:
                return await receive()
            timeout = self.body_timeout_s
            if self.min_rate > 0:  # the whole body so far must have come at min_rate after the grace
                deadline = started + self.body_timeout_s + received / self.min_rate
                timeout = min(timeout, max(0.0, deadline - time.monotonic()))
            try:
                message = await asyncio.wait_for(receive(), timeout=timeout)
            except asyncio.TimeoutError:
                raise BodyTimeout(
                    f"The request body did not arrive within {self.body_timeout_s:g} seconds "
                    f"(or slower than {self.min_rate:g} bytes a second). Send it again."
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.too_large_message())
                finished = not message.get("more_body", False)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_json(send, status: int, body: dict) -> None:
    payload = json.dumps(body).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RateLimiter:
    """At most ``per_minute`` requests per client in any 60 seconds (``--req-limit``)."""

    def __init__(self, per_minute: int, window_s: float = 60.0):
        self.per_minute = per_minute
        self.window_s = window_s
        self._hits: dict[str, collections.deque[float]] = {}

    def hit(self, client: str) -> int:
        """Count a request; 0 if allowed, else the seconds until the client may ask again."""
        now = time.monotonic()
        if len(self._hits) > 10_000:  # forget clients that went quiet
            for key in [key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self.window_s]:
                del self._hits[key]
        hits = self._hits.setdefault(client, collections.deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return max(1, math.ceil(hits[0] + self.window_s - now))
        hits.append(now)
        return 0


def json_depth(value) -> int:
    """How deeply a parsed JSON value nests (a scalar is 0), without recursion."""
    deepest = 0
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def header_timeout_protocol(header_timeout_s: float):
    """uvicorn's h11 protocol with a header timeout: a connection whose request headers have
    not all arrived ``header_timeout_s`` after it opened (or after its last answer) is closed."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm_header_timer()

        def connection_lost(self, exc) -> None:
            self._disarm_header_timer()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:  # the headers are in
                self._disarm_header_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._arm_header_timer()

        def _arm_header_timer(self) -> None:
            self._disarm_header_timer()
            self._header_timer = self.loop.call_later(header_timeout_s, self._header_timeout)

        def _disarm_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_timeout(self) -> None:
            self._header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return HeaderTimeoutProtocol
