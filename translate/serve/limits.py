"""Request-body limits as ASGI middleware: size (413) and a slow sender (408).

A body whose ``Content-Length`` is over the limit is refused before any of it is read. A
body without one (chunked) is counted as it streams in and refused as soon as it passes
the limit, so memory never holds more than the limit. A client that stops sending mid-body
for ``body_timeout_s`` is cut off; nothing waits on the model for it, since a request only
reaches the queue once its whole body is in.
"""

from __future__ import annotations

import asyncio
import json


class BodyTooLarge(Exception):
    """The request body is over ``--max-body-bytes``."""


class BodyTimeout(Exception):
    """The client stopped sending its request body."""


class BodyLimit:
    """Wrap an ASGI app; ``BodyTooLarge``/``BodyTimeout`` surface where the app reads the body."""

    def __init__(self, app, *, max_bytes: int, body_timeout_s: float = 30.0):
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout_s = body_timeout_s

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

        async def limited_receive():
            nonlocal received, finished
            if finished:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), timeout=self.body_timeout_s)
            except asyncio.TimeoutError:
                raise BodyTimeout(
                    f"The request body did not arrive within {self.body_timeout_s:g} seconds. Send it again."
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
