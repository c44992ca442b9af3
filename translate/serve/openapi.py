"""The OpenAPI 3 description of every endpoint (``GET /spec``) and the docs page (``/docs``).

Written by hand next to the app, so ``tests/test_serve_fuzz.py`` can generate requests
from it; the docs page is rendered here from the same dict (no CDN, no script).
"""

from __future__ import annotations

import html
import json

ERROR = {"$ref": "#/components/schemas/Error"}
TEXTS = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
LANGUAGE = {"type": "string", "enum": ["nb", "no", "auto"]}
TARGET = {"type": "string", "enum": ["en"]}


def _errors(*codes: int) -> dict:
    meaning = {
        400: "Bad input (a missing or bad parameter, an unsupported language, over the text limit)",
        401: "Missing or wrong metrics key",
        403: "A missing or wrong API key, or suggestions disabled",
        404: "Not found",
        405: "Method not allowed",
        408: "The body did not arrive in time",
        413: "The body is too large",
        429: "Too many requests, or the translation queue is full (see Retry-After)",
        500: "An unexpected error (logged)",
        503: "Loading, or shutting down (see Retry-After)",
    }
    return {
        str(code): {"description": meaning[code], "content": {"application/json": {"schema": ERROR}}} for code in codes
    }


def _body(properties: dict, required: list[str], *, multipart: bool = False) -> dict:
    schema = {"type": "object", "properties": properties, "required": required}
    content = {"multipart/form-data": {"schema": schema}} if multipart else {
        "application/json": {"schema": schema},
        "application/x-www-form-urlencoded": {"schema": schema},
    }
    return {"required": True, "content": content}


def _json(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


KEY = {"type": "string", "description": "API key (also `apiKey`, `Authorization: Bearer KEY`)"}


def openapi_spec() -> dict:
    """The OpenAPI 3.0 document of the server."""
    common = _errors(400, 403, 408, 413, 429, 500, 503)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "nb2en",
            "version": "1",
            "description": "Norwegian to English news translation; LibreTranslate's API plus nb2en's own endpoints.",
        },
        "paths": {
            "/translate": {
                "post": {
                    "summary": "Translate text (LibreTranslate)",
                    "requestBody": _body(
                        {
                            "q": TEXTS,
                            "source": LANGUAGE,
                            "target": TARGET,
                            "format": {"type": "string", "enum": ["text", "html"]},
                            "alternatives": {"type": "integer", "minimum": 0, "maximum": 3},
                            "api_key": KEY,
                        },
                        ["q", "source", "target"],
                    ),
                    "responses": {
                        "200": _json(
                            "The English",
                            {
                                "type": "object",
                                "properties": {
                                    "translatedText": TEXTS,
                                    "detectedLanguage": {},
                                    "alternatives": {"type": "array"},
                                },
                                "required": ["translatedText"],
                            },
                        ),
                        **common,
                    },
                }
            },
            "/detect": {
                "post": {
                    "summary": "Detect the language (LibreTranslate)",
                    "requestBody": _body({"q": TEXTS, "api_key": KEY}, ["q"]),
                    "responses": {"200": _json("Languages, best first", {"type": "array"}), **common},
                }
            },
            "/languages": {
                "get": {"summary": "Supported languages (LibreTranslate)", "responses": {"200": _json("Languages", {"type": "array"})}}
            },
            "/frontend/settings": {
                "get": {"summary": "Limits and languages for front ends (LibreTranslate)", "responses": {"200": _json("Settings")}}
            },
            "/translate_file": {
                "post": {
                    "summary": "Translate a file (LibreTranslate)",
                    "requestBody": _body(
                        {
                            "file": {"type": "string", "format": "binary"},
                            "source": LANGUAGE,
                            "target": TARGET,
                            "api_key": KEY,
                        },
                        ["file", "source", "target"],
                        multipart=True,
                    ),
                    "responses": {"200": _json("Where to download the English", {"type": "object"}), **common},
                }
            },
            "/download_file/{file_id}": {
                "get": {
                    "summary": "A translated file (LibreTranslate)",
                    "parameters": [{"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "The file"}, **_errors(404)},
                }
            },
            "/suggest": {
                "post": {
                    "summary": "Submit a human translation (LibreTranslate; needs --suggestions)",
                    "requestBody": _body(
                        {"q": {"type": "string"}, "s": {"type": "string"}, "source": LANGUAGE, "target": TARGET, "api_key": KEY},
                        ["q", "s", "source", "target"],
                    ),
                    "responses": {"200": _json("Stored", {"type": "object"}), **common},
                }
            },
            "/v1/articles": {
                "post": {
                    "summary": "Translate (and summarize) an article: nb2en's JSON contract",
                    "requestBody": _body(
                        {
                            "text": {"type": "string"},
                            "summary": {"type": "boolean"},
                            "style": {"type": "string", "enum": ["short", "headline", "bullets"]},
                            "download": {"type": "boolean"},
                            "filename": {"type": "string"},
                            "api_key": KEY,
                        },
                        ["text"],
                    ),
                    "responses": {"200": _json("The article as `nb2en translate --format json` writes it"), **common},
                }
            },
            "/health": {
                "get": {
                    "summary": "Status and model id",
                    "responses": {"200": _json("Ready"), **_errors(503)},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics (Authorization: Bearer KEY with --metrics-key)",
                    "responses": {"200": {"description": "Prometheus text format"}, **_errors(401)},
                }
            },
            "/spec": {"get": {"summary": "This document", "responses": {"200": _json("OpenAPI 3")}}},
            "/docs": {"get": {"summary": "This document as a page", "responses": {"200": {"description": "HTML"}}}},
        },
        "components": {
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
            }
        },
    }


def docs_page(spec: dict) -> str:
    """The API as one self-contained HTML page (no script, no CDN)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>nb2en API</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;",
        "padding:0 1rem;line-height:1.4}code,pre{background:#f4f4f4;padding:.1rem .3rem}pre{padding:.6rem;",
        "overflow:auto}h2{border-top:1px solid #ccc;padding-top:1rem}</style></head><body>",
        f"<h1>{html.escape(spec['info']['title'])} API</h1><p>{html.escape(spec['info']['description'])}</p>",
        "<p>The machine-readable description: <a href='spec'>/spec</a> (OpenAPI 3). "
        "Errors are JSON <code>{\"error\": \"...\"}</code>.</p>",
    ]
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            parts.append(f"<h2><code>{method.upper()} {html.escape(path)}</code></h2>")
            parts.append(f"<p>{html.escape(operation.get('summary', ''))}</p>")
            body = operation.get("requestBody")
            if body:
                media, content = next(iter(body["content"].items()))
                schema = content["schema"]
                parts.append(f"<p>Body: <code>{html.escape(', '.join(body['content']))}</code></p><ul>")
                for name, prop in schema["properties"].items():
                    required = " (required)" if name in schema.get("required", []) else ""
                    parts.append(
                        f"<li><code>{html.escape(name)}</code>{required}: "
                        f"<code>{html.escape(json.dumps(prop, ensure_ascii=False))}</code></li>"
                    )
                parts.append("</ul>")
            codes = ", ".join(sorted(operation.get("responses", {})))
            parts.append(f"<p>Answers: {html.escape(codes)}</p>")
    parts.append("</body></html>")
    return "".join(parts)
