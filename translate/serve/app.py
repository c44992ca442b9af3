"""The ASGI app (Starlette): a door. Parse the request, call the service, map errors.

LibreTranslate's API as its clients call it (``/translate``, ``/languages``, ``/detect``,
``/translate_file`` + ``/download_file/<id>``, ``/frontend/settings``), nb2en's own
(``/v1/articles``, ``/health``, ``/metrics``), ``/spec`` and ``/docs``, and the page at ``/``.

Errors are LibreTranslate's: JSON ``{"error": "..."}`` with 400 (missing or bad parameter,
unsupported language, broken JSON, over ``--char-limit``), 403 (API key), 413 (body over the
size limit, refused before it is read whole), 429 (the translation queue is full, or
``--req-limit``), 500 (unexpected: logged with its traceback; the server keeps running),
503 (shutting down). A client that disconnects is a 499 log line, never an error.

A request's work runs in a worker thread under its own ``Ticket``; while it runs the door
watches the connection, and a client that goes away has its queued sentences dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from translate.errors import Nb2enError, UsageError
from translate.serve.batcher import CURRENT_TICKET, BatcherClosed, ClientGone, QueueFull, Ticket
from translate.serve.limits import BodyLimit, BodyTimeout, BodyTooLarge, RateLimiter, json_depth
from translate.serve.openapi import docs_page, openapi_spec
from translate.serve.service import (
    LANGUAGES,
    UPLOAD_EXTENSIONS,
    Service,
    check_language_pair,
)
from translate.settings import SummaryStyle

log = logging.getLogger("nb2en.serve")
STATIC_DIR = Path(__file__).resolve().parent / "static"
SUMMARY_STYLES = tuple(style.value for style in SummaryStyle)


class ApiError(Exception):
    """An answer other than 200, with LibreTranslate's ``{"error": message}`` body."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, retry_after: int = 1) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if status in (429, 503) else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


class RetryLater(ApiError):
    """429 with its own ``Retry-After``."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(429, message)
        self.retry_after = retry_after


def create_app(service: Service, on_load_failed: Callable[[BaseException], None] | None = None) -> Any:
    """The ASGI app over a built (not yet started) ``Service``; the lifespan starts and stops it."""
    options = service.options
    metrics = service.metrics

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async def load() -> None:
            try:
                await service.start()
                log.info("model loaded: %s", service.model_info()["id"])
            except Exception as error:  # noqa: BLE001 - reported once, then the CLI decides
                log.error("could not load the translation model: %s", error)
                if on_load_failed is not None:
                    on_load_failed(error)

        loading = asyncio.create_task(load())
        try:
            yield
        finally:
            if not loading.done():
                loading.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await loading
            await service.close()

    limiter = RateLimiter(options.req_limit) if options.req_limit else None
    # /suggest needs both the switch and somewhere to store (the translation memory).
    suggestions_on = options.suggestions and options.memory is not None

    def door(name: str, *, guarded: bool = True):
        """Wrap an endpoint: map every error to an HTTP answer and count it in the metrics.

        ``guarded`` endpoints (those that do work) are refused while draining (503), over
        ``--req-limit`` (429), and with a wrong key from a header or the query string (403)
        before their body is read.
        """

        def wrap(handler: Callable[[Request], Awaitable[Response]]):
            async def endpoint(request: Request) -> Response:
                started = time.perf_counter()
                try:
                    if guarded:
                        guard(request)
                    response = await handler(request)
                except RetryLater as error:
                    response = error_response(429, error.message, error.retry_after)
                except ApiError as error:
                    response = error_response(error.status, error.message)
                except BodyTooLarge as error:
                    response = error_response(413, str(error))
                except BodyTimeout as error:
                    response = error_response(408, str(error))
                except QueueFull as error:
                    response = error_response(429, f"Slow down: {error}. Retry in {error.retry_after} s.", error.retry_after)
                except BatcherClosed:
                    response = error_response(503, "The server is shutting down. Retry in a moment.")
                except (ClientDisconnect, ClientGone):
                    client = request.client.host if request.client else "-"
                    log.info('%s - "%s %s" 499 client disconnected (its work was dropped)', client, request.method, request.url.path)
                    response = Response(status_code=499)
                except UsageError as error:
                    response = error_response(400, str(error))
                except Nb2enError as error:
                    log.exception("%s %s failed", request.method, request.url.path)
                    response = error_response(500, str(error))
                except Exception:
                    log.exception("%s %s failed with an unexpected error", request.method, request.url.path)
                    response = error_response(500, "Internal server error. The server log has the details.")
                metrics.requests.labels(name, str(response.status_code)).inc()
                metrics.latency.labels(name).observe(time.perf_counter() - started)
                return response

            return endpoint

        return wrap

    def guard(request: Request) -> None:
        if service.draining:
            raise ApiError(503, "The server is shutting down. Retry in a moment.")
        if limiter is not None:
            wait = limiter.hit(request.client.host if request.client else "-")
            if wait:
                raise RetryLater(f"Slowdown: {options.req_limit} per 1 minute", wait)
        if options.api_keys:
            key = outer_key(request)
            if key is not None and key not in options.api_keys:
                raise ApiError(403, "Invalid API key")

    in_flight = 0

    async def run_work(
        request: Request, function: Callable[..., Any], *args: Any, estimate: int = 1, **kwargs: Any
    ) -> Any:
        """``function`` in a worker thread under a new ``Ticket``; a client that disconnects
        meanwhile cancels the ticket (its queued sentences are dropped) and ends in ``ClientGone``.

        Overload is answered before a thread is taken: 429 when ``max_in_flight`` requests
        are already at work, or when about ``estimate`` new sentences would be refused by the
        queue (``Batcher.precheck``)."""
        nonlocal in_flight
        if in_flight >= options.max_in_flight:
            raise QueueFull(
                f"the translation queue is full ({in_flight} requests at work)", service.batcher.retry_after(estimate)
            )
        service.batcher.precheck(estimate)
        in_flight += 1
        try:
            return await run_ticketed(request, function, *args, **kwargs)
        finally:
            in_flight -= 1

    async def run_ticketed(request: Request, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        ticket = Ticket()
        token = CURRENT_TICKET.set(ticket)
        try:
            work = asyncio.ensure_future(run_in_threadpool(function, *args, **kwargs))
        finally:
            CURRENT_TICKET.reset(token)
        watch = asyncio.ensure_future(wait_for_disconnect(request))
        try:
            await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not watch.done():
                watch.cancel()
        if work.done():
            return work.result()
        ticket.cancel()
        with contextlib.suppress(Exception):
            await work  # ends soon: its waits are cancelled
        raise ClientGone("the client disconnected")

    # ---------------------------------------------------------------- parsing

    async def read_params(request: Request) -> tuple[dict, dict[str, UploadFile]]:
        """JSON, form-encoded or multipart parameters (plus query parameters), and uploads."""
        params: dict[str, Any] = dict(request.query_params)
        files: dict[str, UploadFile] = {}
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            body = await request.body()
            try:
                data = json.loads(body or b"{}")
            except RecursionError:
                data = None
            except ValueError:
                raise ApiError(400, "Invalid request: the body is not valid JSON.") from None
            if data is None or json_depth(data) > options.json_max_depth:
                raise ApiError(400, f"Invalid request: the JSON is nested deeper than {options.json_max_depth} levels.")
            if not isinstance(data, dict):
                raise ApiError(400, "Invalid request: the JSON body must be an object.")
            check_unicode(data)
            params.update(data)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                form = await request.form(max_files=4, max_fields=1000)
            except (BodyTooLarge, BodyTimeout):
                raise
            except Exception as error:  # noqa: BLE001 - a malformed form is the client's error
                raise ApiError(400, f"Invalid request: cannot parse the form ({error}).") from None
            for key in form:
                values = form.getlist(key)
                uploads = [value for value in values if isinstance(value, UploadFile)]
                if uploads:
                    files[key] = uploads[0]
                else:
                    params[key] = values[0] if len(values) == 1 else list(values)
        return params, files

    def outer_key(request: Request) -> str | None:
        """The API key from the headers or the query string (readable before the body)."""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and auth[7:].strip():
            return auth[7:].strip()
        return request.query_params.get("api_key") or request.query_params.get("apiKey") or None

    def check_key(request: Request, params: dict) -> None:
        if not options.api_keys:
            return
        key = params.get("api_key") or params.get("apiKey") or outer_key(request)
        if not key:
            raise ApiError(403, "Invalid API key: this server needs one. Pass api_key (ask the server's operator).")
        if not isinstance(key, str) or key not in options.api_keys:
            raise ApiError(403, "Invalid API key")

    def check_unicode(value: Any) -> None:
        """Strings a client sent must be valid Unicode (JSON may carry a lone surrogate)."""
        pending = [value]
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise ApiError(400, "Invalid request: the text is not valid Unicode (a lone surrogate).") from None
            elif isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)

    def required(params: dict, name: str) -> Any:
        value = params.get(name)
        if value is None or value == "" or value == []:
            raise ApiError(400, f"Invalid request: missing {name} parameter")
        return value

    def texts_of(q: Any) -> list[str]:
        if isinstance(q, str):
            return [q]
        if isinstance(q, list) and all(isinstance(item, str) for item in q):
            return q
        raise ApiError(400, "Invalid request: q must be a string or a list of strings")

    def check_chars(count: int) -> None:
        limit = options.char_limit
        if limit is not None and count > limit:
            raise ApiError(400, f"Invalid request: request ({count}) exceeds text limit ({limit})")

    def language_pair(params: dict) -> tuple[str, str]:
        source = str(required(params, "source")).lower()
        target = str(required(params, "target")).lower()
        try:
            check_language_pair(source, target)
        except UsageError as error:
            raise ApiError(400, str(error)) from None
        return source, target

    def detected(text: str) -> dict:
        best = service.detect(text)[0]
        return {"language": best["language"], "confidence": best["confidence"]}

    # ---------------------------------------------------------------- endpoints

    @door("translate")
    async def translate(request: Request) -> Response:
        params, _ = await read_params(request)
        check_key(request, params)
        texts = texts_of(required(params, "q"))
        source, _ = language_pair(params)
        fmt = str(params.get("format") or "text").lower()
        if fmt not in ("text", "html"):
            raise ApiError(400, "Invalid request: format must be text or html")
        count = alternatives_of(params)
        check_chars(sum(len(text) for text in texts))
        work = service.translate_html if fmt == "html" else service.translate_texts
        translated = await run_work(request, work, texts, estimate=sentence_estimate(texts))
        single = isinstance(params["q"], str)
        answer: dict[str, Any] = {"translatedText": translated[0] if single else translated}
        if source == "auto":
            detections = await run_in_threadpool(lambda: [detected(text) for text in texts])
            answer["detectedLanguage"] = detections[0] if single else detections
        if count:
            if fmt == "html":  # as LibreTranslate: not for HTML
                others = [[] for _ in texts]
            else:
                others = await run_ticketed(request, service.alternatives, texts, translated, count)
            answer["alternatives"] = others[0] if single else others
        return JSONResponse(answer)

    def alternatives_of(params: dict) -> int:
        """LibreTranslate's ``alternatives``: a whole number, at most ``alternatives_limit``."""
        raw = params.get("alternatives")
        if raw is None or raw == "":
            return 0
        try:
            if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
                raise ValueError(raw)
            count = max(0, int(raw))
        except (ValueError, OverflowError):
            raise ApiError(400, "Invalid request: alternatives parameter is not a number") from None
        if count > options.alternatives_limit:
            raise ApiError(400, f"Invalid request: alternatives parameter must be <= {options.alternatives_limit}")
        return count

    @door("detect")
    async def detect(request: Request) -> Response:
        params, _ = await read_params(request)
        check_key(request, params)
        texts = texts_of(required(params, "q"))
        check_chars(sum(len(text) for text in texts))
        return JSONResponse(await run_ticketed(request, service.detect, "\n".join(texts)))

    @door("languages", guarded=False)
    async def languages(request: Request) -> Response:
        return JSONResponse(LANGUAGES)

    @door("frontend_settings", guarded=False)
    async def frontend_settings(request: Request) -> Response:
        return JSONResponse(
            {
                "charLimit": options.char_limit if options.char_limit is not None else -1,
                "frontendTimeout": 500,
                "apiKeys": bool(options.api_keys),
                "keyRequired": bool(options.api_keys),
                "suggestions": suggestions_on,
                "filesTranslation": True,
                "supportedFilesFormat": [f".{ext}" for ext in UPLOAD_EXTENSIONS],
                "language": {
                    "source": {"code": "nb", "name": "Norwegian Bokmål"},
                    "target": {"code": "en", "name": "English"},
                },
                "summary": {
                    "summarizer": options.settings.summarizer.value,
                    "styles": list(SUMMARY_STYLES),
                    "default": options.settings.summary_style.value,
                },
                "maxBodyBytes": options.max_body_bytes,
                "fileCharLimit": options.file_char_limit if options.file_char_limit is not None else -1,
            }
        )

    async def read_upload(files: dict[str, UploadFile]) -> tuple[bytes, str]:
        upload = files.get("file")
        if upload is None:
            raise ApiError(400, "Invalid request: missing file parameter")
        filename = Path(upload.filename or "article.txt").name
        extension = filename.rpartition(".")[2].lower() if "." in filename else "txt"
        if extension not in UPLOAD_EXTENSIONS:
            raise ApiError(
                400,
                f"Invalid request: file format .{extension} is not supported "
                f"(supported: {', '.join('.' + ext for ext in UPLOAD_EXTENSIONS)})",
            )
        return await upload.read(), filename

    @door("translate_file")
    async def translate_file(request: Request) -> Response:
        params, files = await read_params(request)
        check_key(request, params)
        language_pair(params)
        data, filename = await read_upload(files)
        result = await run_work(request, service.translate_document, data, filename)
        file_id = service.files.put(await run_in_threadpool(service.render_download, result, filename))
        return JSONResponse({"translatedFileUrl": str(request.url_for("download_file", file_id=file_id))})

    @door("download_file", guarded=False)
    async def download_file(request: Request) -> Response:
        stored = service.files.get(request.path_params["file_id"])
        if stored is None:
            raise ApiError(404, "No such file: it was never made here, or it is too old and was dropped.")
        return Response(
            stored.content,
            media_type=stored.media_type,
            headers={"Content-Disposition": content_disposition(stored.filename)},
        )

    @door("articles")
    async def articles(request: Request) -> Response:
        from translate.render import result_to_dict

        params, files = await read_params(request)
        check_key(request, params)
        if "file" in files:
            data, filename = await read_upload(files)
        else:
            text = required(params, "text")
            if not isinstance(text, str):
                raise ApiError(400, "Invalid request: text must be a string")
            check_chars(len(text))
            data, filename = text.encode("utf-8"), str(params.get("filename") or "article.txt")
        summary = _truthy(params.get("summary"))
        style = str(params.get("style") or options.settings.summary_style.value)
        if style not in SUMMARY_STYLES:
            raise ApiError(400, f"Invalid request: style must be one of {', '.join(SUMMARY_STYLES)}")
        result = await run_work(request, service.translate_document, data, filename, summary=summary, style=style)
        answer = result_to_dict(result)
        if _truthy(params.get("download")):
            stored = await run_in_threadpool(service.render_download, result, filename)
            file_id = service.files.put(stored)
            answer["download"] = {
                "url": str(request.url_for("download_file", file_id=file_id)),
                "filename": stored.filename,
            }
        return JSONResponse(answer)

    @door("suggest")
    async def suggest(request: Request) -> Response:
        if not suggestions_on:
            raise ApiError(403, "Suggestions are disabled on this server.")
        params, _ = await read_params(request)
        check_key(request, params)
        q, s = required(params, "q"), required(params, "s")
        if not isinstance(q, str) or not isinstance(s, str):
            raise ApiError(400, "Invalid request: q and s must be strings")
        source, target = language_pair(params)
        check_chars(len(q) + len(s))
        await run_in_threadpool(service.suggest, q, s, source, target)
        return JSONResponse({"success": True})

    @door("health", guarded=False)
    async def health(request: Request) -> Response:
        """Status and model id only (no paths, no errors: anyone may ask)."""
        if service.load_error is not None:
            return JSONResponse({"status": "failed"}, status_code=503)
        if service.draining:
            return JSONResponse({"status": "draining"}, status_code=503)
        if not service.ready.is_set():
            return JSONResponse({"status": "loading"}, status_code=503)
        return JSONResponse({"status": "ok", "model": service.public_model_id()})

    @door("metrics", guarded=False)
    async def metrics_endpoint(request: Request) -> Response:
        if options.metrics_key and request.headers.get("authorization", "") != f"Bearer {options.metrics_key}":
            raise ApiError(401, "Unauthorized")
        content, media_type = metrics.render()
        return Response(content, media_type=media_type)

    spec = openapi_spec()

    async def spec_endpoint(request: Request) -> Response:
        return JSONResponse(spec)

    async def docs_endpoint(request: Request) -> Response:
        return HTMLResponse(docs_page(spec))

    async def page(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    async def http_error(request: Request, error: HTTPException) -> Response:
        return error_response(error.status_code, str(error.detail))

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/translate", translate, methods=["POST"]),
        Route("/detect", detect, methods=["POST"]),
        Route("/languages", languages, methods=["GET"]),
        Route("/frontend/settings", frontend_settings, methods=["GET"]),
        Route("/translate_file", translate_file, methods=["POST"]),
        Route("/download_file/{file_id}", download_file, methods=["GET"], name="download_file"),
        Route("/v1/articles", articles, methods=["POST"]),
        Route("/suggest", suggest, methods=["POST"]),
        Route("/spec", spec_endpoint, methods=["GET"]),
        Route("/docs", docs_endpoint, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error})
    app.state.service = service
    limited = BodyLimit(
        app, max_bytes=options.max_body_bytes, body_timeout_s=options.body_timeout_s, min_rate=options.min_body_rate
    )
    return CORSMiddleware(
        limited,
        allow_origins=list(options.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Retry-After"],
        max_age=60 * 60 * 24 * 20,
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def content_disposition(filename: str) -> str:
    """``attachment`` with the client's file name: quoted as it is when that is plain ASCII,
    else RFC 6266's ``filename*`` (a quote, a line break or a character outside Latin-1 in
    an uploaded name would otherwise break the header or fail to encode)."""
    if quote(filename, safe=" ") == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename*=utf-8''{quote(filename)}"


def sentence_estimate(texts: list[str]) -> int:
    """About how many sentences ``texts`` hold (cheap, on the event loop; for ``precheck``)."""
    return sum(1 + sum(text.count(mark) for mark in ".!?") for text in texts)


async def wait_for_disconnect(request: Request) -> None:
    """Return when the client closes the connection (the body has been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
