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
        Optional[int], typer.Option("--char-limit", min=1, help="Most characters one request may ask to translate (400 above).")
    ] = None,
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
) -> None:
    """Serve the LibreTranslate API, nb2en's own endpoints and a page at / (one model, batched requests).

    --style is the page's default summary style; a request may ask for another.
    """

    def work() -> int:
        from translate.serve.server import serve as run_server
        from translate.serve.service import ServeOptions, Service, read_api_keys

        settings = build_settings(shared)
        warn_unused_summary_model(settings, shared)
        options = ServeOptions(
            settings=settings,
            api_keys=read_api_keys(api_keys) if api_keys else frozenset(),
            char_limit=char_limit,
            max_body_bytes=int(max_body_mb * 1024 * 1024),
            max_queue=max_queue,
            max_wait_ms=batch_wait_ms,
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
