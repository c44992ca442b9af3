"""``nb2en serve``: the HTTP door (LibreTranslate's API, nb2en's own endpoints, a page).

Modules: ``service`` (one model, one cache, one batching queue: what the endpoints call),
``batcher`` (the request-batching queue), ``app`` (the Starlette app: parse, call, map
errors), ``limits`` (body size and slow-sender limits), ``server`` (uvicorn, logging,
signals), ``static/`` (the page). Importing this package imports no web framework; the
modules do, so ``nb2en --help`` never pays for them.
"""
