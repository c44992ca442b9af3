"""LibreTranslate's clients, unchanged, against the real ``nb2en serve``: libretranslatepy
(also in test_serve.py), libretranslate-aio (sync and async) and the npm ``libretranslate``
package (run by node; it sends its key as ``apiKey``), each with and without an API key."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess

import pytest
from serve_harness import running_server

NORWEGIAN = "Regjeringen la fram budsjettet i dag."
NPM_PACKAGE = "libretranslate@1.0.1"


@pytest.fixture(scope="module")
def servers(tiny_marian_dir, tmp_path_factory):
    cache = tmp_path_factory.mktemp("clients-cache")
    with running_server(tiny_marian_dir, cache) as open_server:
        with running_server(tiny_marian_dir, cache, api_keys=frozenset({"k3y"})) as keyed:
            yield open_server, keyed


def test_libretranslatepy_with_a_key(servers):
    from libretranslatepy import LibreTranslateAPI

    _, keyed = servers
    assert LibreTranslateAPI(keyed.url, api_key="k3y").translate(NORWEGIAN, "nb", "en")
    with pytest.raises(Exception, match="403"):
        LibreTranslateAPI(keyed.url).translate(NORWEGIAN, "nb", "en")


def test_libretranslate_aio_sync_and_async(servers):
    from libretranslate_aio import AsyncLibreTranslate, ForbiddenError, LibreTranslate

    open_server, keyed = servers
    with LibreTranslate(open_server.url, timeout=120) as client:
        assert client.health()
        assert {language.code for language in client.languages()} >= {"nb", "no", "en"}
        single = client.translate(NORWEGIAN, "nb", "en", alternatives=2)
        assert isinstance(single.translated_text, str) and single.translated_text
        assert isinstance(single.alternatives, list) and len(single.alternatives) <= 2
        many = client.translate([NORWEGIAN, "Hei på deg."], "auto", "en")
        assert len(many.translated_text) == 2 and len(many.detected_language) == 2
        assert client.detect("Dette er en norsk setning.")[0].language in ("nb", "nn")
        assert client.frontend_settings().char_limit == 100_000

    async def keyed_calls():
        async with AsyncLibreTranslate(keyed.url, api_key="k3y", timeout=120) as client:
            done = await client.translate(NORWEGIAN, "nb", "en")
        async with AsyncLibreTranslate(keyed.url, timeout=120) as client:
            with pytest.raises(ForbiddenError):
                await client.translate(NORWEGIAN, "nb", "en")
        return done

    assert asyncio.run(keyed_calls()).translated_text


@pytest.fixture(scope="module")
def npm_client(tmp_path_factory):
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed (apt-get install nodejs npm): the npm client cannot run")
    folder = tmp_path_factory.mktemp("npm-libretranslate")
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", NPM_PACKAGE],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return folder


def run_node(folder, url: str, api_key: str | None) -> dict:
    script = (
        "const {translate} = require('libretranslate');"
        "translate({query: process.argv[1], source: 'nb', target: 'en', apiurl: process.argv[2],"
        " apiKey: process.argv[3] || undefined})"
        ".then(t => console.log(JSON.stringify({ok: t})))"
        ".catch(e => console.log(JSON.stringify({error: String(e)})));"
    )
    done = subprocess.run(
        ["node", "-e", script, NORWEGIAN, url, api_key or ""], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_npm_client_with_and_without_a_key(servers, npm_client):
    open_server, keyed = servers
    plain = run_node(npm_client, open_server.url, None)
    assert isinstance(plain.get("ok"), str) and plain["ok"]
    with_key = run_node(npm_client, keyed.url, "k3y")
    assert isinstance(with_key.get("ok"), str) and with_key["ok"]
    wrong = run_node(npm_client, keyed.url, "nope")
    assert wrong.get("ok") is None  # the client reads translatedText from the 403 body: nothing
