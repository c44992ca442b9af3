"""A property fuzz of the HTTP API from its own OpenAPI document (``GET /spec``).

Hypothesis builds requests from each operation's schema (schemathesis's idea, without its
dependency tree): every property either valid for its schema or any JSON value, required
ones sometimes missing, unknown ones sometimes added, sent as JSON, form or multipart, plus
raw bodies that are not JSON at all. Property: the server never answers 500 (nor crashes),
and every error is JSON ``{"error": ...}``. Bounded: a fixed number of examples, a small
``--char-limit`` so that a generated text is translated in well under a second.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_harness import running_server

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=80) | st.sampled_from(
    ["Regjeringen la fram budsjettet.", "<p>Hei <b>der</b></p>", "", " ", "\n\n", "Hei.\n\nHadet."]
)


def value_for(schema: dict) -> st.SearchStrategy:
    """Values valid for a (small) JSON schema as /spec writes them."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "oneOf" in schema:
        return st.one_of([value_for(option) for option in schema["oneOf"]])
    kind = schema.get("type")
    if kind == "string":
        return TEXT
    if kind == "integer":
        return st.integers(schema.get("minimum", -5) - 2, schema.get("maximum", 10) + 2)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(value_for(schema.get("items", {})), max_size=4)
    return JSON_VALUES


@st.composite
def request_for(draw, path: str, method: str, operation: dict):
    body = operation.get("requestBody")
    if body is None:
        query = draw(st.dictionaries(st.sampled_from(["q", "api_key", "x"]), st.text(max_size=10), max_size=2))
        concrete = path.replace("{file_id}", draw(st.text("abcdef0123456789", max_size=32)))
        return {"method": method.upper(), "url": concrete, "params": query}
    media, content = draw(st.sampled_from(sorted(body["content"].items())))
    schema = content["schema"]
    fields = {}
    for name, prop in schema["properties"].items():
        if name in schema.get("required", []) and draw(st.integers(0, 9)) == 0:
            continue  # a required parameter missing
        if name not in schema.get("required", []) and draw(st.booleans()):
            continue
        if prop.get("format") == "binary":
            continue
        fields[name] = draw(value_for(prop) | JSON_VALUES) if draw(st.integers(0, 4)) == 0 else draw(value_for(prop))
    if draw(st.integers(0, 5)) == 0:
        fields[draw(st.text(max_size=8))] = draw(JSON_VALUES)
    request = {"method": "POST", "url": path}
    if media == "application/json":
        request["content"] = json.dumps(fields).encode()
        request["headers"] = {"content-type": "application/json"}
    else:
        form = {name: value if isinstance(value, (str, list)) else json.dumps(value) for name, value in fields.items()}
        form = {
            name: [v if isinstance(v, str) else json.dumps(v) for v in value] if isinstance(value, list) else value
            for name, value in form.items()
        }
        request["data"] = form
        if media == "multipart/form-data":
            name = draw(st.sampled_from(["a.txt", "a.html", "a.md", "a.docx", "a.xml", "a.pdf", "noext", ""]))
            data = draw(st.binary(max_size=200) | TEXT.map(lambda text: text.encode("utf-8")))
            if draw(st.integers(0, 5)):
                request["files"] = {"file": (name, data, "application/octet-stream")}
    return request


RAW_BODIES = st.binary(max_size=300) | st.sampled_from(
    [b"{", b"[]", b"null", b'{"q": "\\ud800", "source": "nb", "target": "en"}', b'{"q": ' + b"[" * 5000]
)


@pytest.fixture(scope="module")
def live(tiny_marian_dir, tmp_path_factory):
    class Memory:
        def add(self, q, s, source, target):
            pass

    with running_server(
        tiny_marian_dir, tmp_path_factory.mktemp("fuzz-cache"), char_limit=300, file_char_limit=300,
        suggestions=True, memory=Memory(),
    ) as server:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            spec = client.get("/spec").json()
            yield client, spec


def check(response: httpx.Response) -> None:
    assert response.status_code != 500 and response.status_code < 600, (response.status_code, response.text[:500])
    if response.status_code >= 400:
        assert "error" in response.json(), response.text[:500]


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    skip = {"/metrics", "/docs", "/spec"}
    return [(path, method, op) for path, ops in spec["paths"].items() if path not in skip for method, op in ops.items()]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_generated_request_gets_a_500(live, data):
    client, spec = live
    path, method, operation = data.draw(st.sampled_from(operations(spec)))
    request = data.draw(request_for(path, method, operation))
    check(client.request(**request))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(["/translate", "/detect", "/translate_file", "/v1/articles", "/suggest"]),
       body=RAW_BODIES,
       content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                     "multipart/form-data; boundary=x", "text/plain"]))
def test_no_raw_body_gets_a_500(live, path, body, content_type):
    client, _ = live
    check(client.post(path, content=body, headers={"content-type": content_type}))
