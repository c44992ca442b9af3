"""LibreTranslate's own API tests (``libretranslate/tests/test_api/``), in our words, against
the real ``nb2en serve`` over HTTP, mapped to nb -> en.

Upstream runs them with Flask's test client on an en/es build; here each one is a request
to the running server on 127.0.0.1. What upstream asserts is kept; where nb2en answers
differently on purpose, the test says so.

Not applicable (listed, not silently dropped):
- ``test_api_get_health`` asserts the body is exactly ``{"status": "ok"}``; nb2en adds the
  model id (issue 22: "status and model id"), so the test checks the status and the keys.
- The upstream fixture loads en/es models with ``--load-only``; nb2en serves one model
  (nb/no -> en), so "en -> es" becomes "nb -> en" and the unsupported target "zz" stays.
- LibreTranslate's ``test_init.py`` (model downloads at start) has no counterpart: nb2en never
  downloads in a request path (``nb2en models download`` does it ahead of time).
"""

from __future__ import annotations

import httpx
import pytest
from serve_harness import running_server


@pytest.fixture(scope="module")
def client(tiny_marian_dir, tmp_path_factory):
    with running_server(tiny_marian_dir, tmp_path_factory.mktemp("lt-cache")) as live:
        with httpx.Client(base_url=live.url, timeout=120) as http:
            yield http


# test_api_detect_language.py


def test_api_detect_language(client):
    response = client.post("/detect", data={"q": "Hei, hvordan går det med deg i dag?"})
    body = response.json()
    assert response.status_code == 200
    assert len(body) >= 1 and "confidence" in body[0] and "language" in body[0]


def test_api_detect_language_must_fail_without_parameters(client):
    response = client.post("/detect")
    assert response.status_code == 400 and "error" in response.json()


def test_api_detect_language_must_fail_bad_request_type(client):
    assert client.get("/detect").status_code == 405


# test_api_frontend_settings.py


def test_api_get_frontend_settings(client):
    assert client.get("/frontend/settings").status_code == 200


# test_api_get_languages.py


def test_api_get_languages(client):
    response = client.get("/languages")
    body = response.json()
    assert response.status_code == 200
    assert len(body) >= 1 and "code" in body[0] and "name" in body[0]


def test_api_get_languages_must_fail_bad_request_type(client):
    assert client.post("/languages").status_code == 405


# test_api_health.py


def test_api_get_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and set(response.json()) == {"status", "model"}


def test_api_health_must_fail_bad_request_type(client):
    assert client.post("/health").status_code == 405


# test_api_spec.py


def test_api_get_spec(client):
    assert client.get("/spec").status_code == 200


def test_api_get_spec_must_fail_bad_request_type(client):
    assert client.post("/spec").status_code == 405


# test_api_translate.py


def test_api_translate(client):
    response = client.post("/translate", data={"q": "Hei", "source": "nb", "target": "en", "format": "text"})
    assert response.status_code == 200 and "translatedText" in response.json()


def test_api_translate_batch(client):
    response = client.post(
        "/translate", json={"q": ["Hei", "Verden"], "source": "nb", "target": "en", "format": "text"}
    )
    body = response.json()
    assert response.status_code == 200
    assert isinstance(body["translatedText"], list) and len(body["translatedText"]) == 2


def test_api_translate_unsupported_language(client):
    response = client.post("/translate", data={"q": "Hei", "source": "nb", "target": "zz", "format": "text"})
    assert response.status_code == 400 and response.json()["error"] == "zz is not supported"


def test_api_translate_missing_parameter(client):
    response = client.post("/translate", data={"source": "nb", "target": "en", "format": "text"})
    assert response.status_code == 400 and response.json()["error"] == "Invalid request: missing q parameter"
