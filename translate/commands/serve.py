"""``serve``: the HTTP door (LibreTranslate API, nb2en's own endpoints, the page)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from translate.commands.guard import EXIT_OK, run_guarded
from translate.commands.options import (
    DEBUG_OPTION,
    SUMMARY_OPTIONS,
    TRANSLATION_OPTIONS,
    build_settings,
    warn_unused_summary_model,
    with_options,
)



@with_options(TRANSLATION_OPTIONS, SUMMARY_OPTIONS, DEBUG_OPTION)
def serve(
    shared: dict,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default; 0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 5000,
    api_keys: Annotated[
        Optional[Path], typer.Option("--api-keys", help="File of API keys, one a line: requests must carry one (api_key).")
    ] = None,
    char_limit: Annotated[
        int, typer.Option("--char-limit", min=0, help="Most characters one request may ask to translate (400 above; 0: no limit).")
    ] = 100_000,
    file_char_limit: Annotated[
        int, typer.Option("--file-char-limit", min=0, help="Most characters of text in one uploaded file (400 above; 0: no limit).")
    ] = 500_000,
    max_body_mb: Annotated[
        float, typer.Option("--max-body-mb", min=0.001, help="Largest request body in MiB (413 above, refused before it is read).")
    ] = 10.0,
    max_queue: Annotated[
        int, typer.Option("--max-queue", min=1, help="Most sentences waiting for the model; a request that does not fit gets 429.")
    ] = 1024,
    batch_wait_ms: Annotated[
        float, typer.Option("--batch-wait-ms", min=0, help="How long the queue waits for more requests to share a model batch.")
    ] = 5.0,
    forwarded_allow_ips: Annotated[
        Optional[str],
        typer.Option("--forwarded-allow-ips", help="Proxies whose X-Forwarded-* headers are trusted (comma-separated; default 127.0.0.1)."),
    ] = None,
    root_path: Annotated[
        str, typer.Option("--root-path", help="Path prefix the server is mounted under behind a proxy (e.g. /nb2en).")
    ] = "",
    max_queue_wait: Annotated[
        float, typer.Option("--max-queue-wait", min=0.1, help="Seconds of queued work (by the measured rate) above which new requests get 429.")
    ] = 20.0,
    drain_seconds: Annotated[
        float, typer.Option("--drain-seconds", min=0, help="After SIGTERM, how long requests in flight may finish (the rest get 503).")
    ] = 10.0,
    header_timeout: Annotated[
        float, typer.Option("--header-timeout", min=0.1, help="Seconds a client has to send its request headers before the connection is closed.")
    ] = 10.0,
    cors_origins: Annotated[
        str, typer.Option("--cors-origins", help="Origins a browser may call the API from (comma-separated; * for any).")
    ] = "*",
    req_limit: Annotated[
        int, typer.Option("--req-limit", min=0, help="Requests per client per minute (429 above; 0: no limit).")
    ] = 0,
    metrics_key: Annotated[
        Optional[str], typer.Option("--metrics-key", help="/metrics then needs 'Authorization: Bearer KEY'.")
    ] = None,
    suggestions: Annotated[
        bool, typer.Option("--suggestions", help="Accept human translations on /suggest (into the translation memory).")
    ] = False,
) -> None:
    """Serve the LibreTranslate API, nb2en's own endpoints and a page at / (one model, batched requests).

    --style is the page's default summary style; a request may ask for another.
    """

    def work() -> int:
        from translate.serve.server import serve as run_server
        from translate.memory import suggestion_store
        from translate.serve.service import ServeOptions, Service, read_api_keys

        settings = build_settings(shared)
        warn_unused_summary_model(settings, shared)
        options = ServeOptions(
            settings=settings,
            api_keys=read_api_keys(api_keys) if api_keys else frozenset(),
            char_limit=char_limit or None,
            file_char_limit=file_char_limit or None,
            max_body_bytes=int(max_body_mb * 1024 * 1024),
            max_queue=max_queue,
            max_wait_ms=batch_wait_ms,
            max_queue_wait_s=max_queue_wait,
            drain_s=drain_seconds,
            header_timeout_s=header_timeout,
            cors_origins=tuple(origin.strip() for origin in cors_origins.split(",") if origin.strip()) or ("*",),
            req_limit=req_limit or None,
            metrics_key=metrics_key,
            suggestions=suggestions,
            memory=suggestion_store(settings.memory_dir) if suggestions else None,
        )
        run_server(
            Service(options),
            host=host,
            port=port,
            forwarded_allow_ips=forwarded_allow_ips,
            root_path=root_path,
            log_level="debug" if shared["debug"] else "info",
        )
        return EXIT_OK

    run_guarded(shared["debug"], work)
