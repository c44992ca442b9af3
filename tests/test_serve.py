"""`nb2en serve` against the real server: LibreTranslate clients, our endpoints, every error.

Each server is the real app on uvicorn on 127.0.0.1 on a free port with the tiny Marian
model (random weights, so the English is gibberish: the tests check structure, counts,
equality between batched and single answers, caching and error paths).
"""

from __future__ import annotations

import concurrent.futures
import logging
import signal
import subprocess
import time

import httpx
import pytest
from libretranslatepy import LibreTranslateAPI
from lxml import html as lxml_html
from serve_harness import (
    free_socket,
    running_server,
    serve_command,
    subprocess_env,
    wait_healthy,
)

SENTENCES = [
    "Regjeringen vil bruke 12 milliarder kroner på nye veier i Nord-Norge.",
    "Statsministeren sa at avtalen er viktig for hele landet.",
    "Over 300 mennesker ble evakuert fra Albu Kamal i helgen.",
    "Politiet i Oslo etterforsker saken, men vil ikke si mer.",
]
ARTICLE = (
    "Kraftig uvær i Nord-Norge\n\n"
    "Over 300 mennesker ble evakuert fra hjemmene sine natt til søndag. Politiet ber folk holde seg inne.\n\n"
    "– Vi har aldri sett noe lignende, sier ordfører Kari Hansen.\n\n"
    "(©NTB)\n"
)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """One cache folder per module: the CTranslate2 copy of the tiny model is converted once."""
    return tmp_path_factory.mktemp("serve-cache")


@pytest.fixture(scope="module")
def server(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir) as live:
        yield live


@pytest.fixture(scope="module")
def uncached_server(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir, no_cache=True, max_wait_ms=20) as live:
        yield live


def post_json(url: str, payload, **kwargs) -> httpx.Response:
    return httpx.post(url, json=payload, timeout=60, **kwargs)


# ------------------------------------------------------------------ the LibreTranslate API


def test_languages_and_frontend_settings(server):
    client = LibreTranslateAPI(server.url)
    languages = client.languages()
    codes = {language["code"]: language for language in languages}
    assert codes["nb"]["targets"] == ["en"] and codes["no"]["targets"] == ["en"]
    settings = httpx.get(server.url + "/frontend/settings").json()
    assert settings["charLimit"] == 100_000 and settings["keyRequired"] is False
    assert settings["language"]["target"]["code"] == "en"
    assert ".txt" in settings["supportedFilesFormat"]


def test_translate_a_string_with_libretranslatepy(server):
    english = LibreTranslateAPI(server.url).translate(SENTENCES[0], "nb", "en")
    assert isinstance(english, str) and english.strip()
    again = LibreTranslateAPI(server.url).translate(SENTENCES[0], "no", "en")
    assert again == english  # no is nb here; the second answer comes from the cache


def test_translate_a_list_as_json_keeps_order_and_count(server):
    answer = post_json(server.url + "/translate", {"q": SENTENCES, "source": "nb", "target": "en"}).json()
    assert isinstance(answer["translatedText"], list) and len(answer["translatedText"]) == len(SENTENCES)
    singles = [post_json(server.url + "/translate", {"q": s, "source": "nb", "target": "en"}).json() for s in SENTENCES]
    assert answer["translatedText"] == [single["translatedText"] for single in singles]
    assert "detectedLanguage" not in answer


def test_translate_keeps_blank_line_blocks(server):
    text = "Første avsnitt er her.\n\nAndre avsnitt er der."
    answer = post_json(server.url + "/translate", {"q": text, "source": "nb", "target": "en"}).json()
    assert answer["translatedText"].count("\n\n") == 1
    padded = post_json(server.url + "/translate", {"q": "  Dato for møtet er satt.\n", "source": "nb", "target": "en"})
    english = padded.json()["translatedText"]
    assert english.startswith("  ") and english.endswith("\n") and "Dato" not in english  # not a metadata line


def test_translate_with_source_auto_reports_the_detected_language(server):
    one = post_json(server.url + "/translate", {"q": SENTENCES[1], "source": "auto", "target": "en"}).json()
    assert one["detectedLanguage"]["language"] in ("nb", "nn")
    assert 0 <= one["detectedLanguage"]["confidence"] <= 100
    many = post_json(server.url + "/translate", {"q": SENTENCES[:2], "source": "auto", "target": "en"}).json()
    assert len(many["detectedLanguage"]) == 2 and len(many["translatedText"]) == 2


def test_translate_html_keeps_elements_and_attributes(server):
    source = (
        '<p class="lead">Regjeringen vil bruke <b>12 milliarder</b> kroner.</p><!-- kilde: NTB -->Etter kommentaren.'
        '<p><a href="https://nrk.no/x">Les mer her</a><script>var x = "ikke oversett";</script> Og mer tekst.</p>'
    )
    answer = post_json(
        server.url + "/translate", {"q": source, "source": "nb", "target": "en", "format": "html"}
    ).json()["translatedText"]

    def shape(fragment):
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
        return [(str(element.tag), dict(element.attrib)) for element in root.iter()]

    assert shape(answer) == shape(source)
    assert "<!-- kilde: NTB -->" in answer and 'var x = "ikke oversett";' in answer
    for norwegian in ("Regjeringen", "Etter kommentaren", "Og mer tekst"):
        assert norwegian not in answer


def test_detect(server):
    found = LibreTranslateAPI(server.url).detect("Dette er en norsk setning om været i morgen.")
    assert found[0]["language"] in ("nb", "nn") and 0 < found[0]["confidence"] <= 100
    english = post_json(server.url + "/detect", {"q": "This is an English sentence about the weather."}).json()
    assert english[0]["language"] == "en"


def test_translate_file_and_download(server):
    response = httpx.post(
        server.url + "/translate_file",
        data={"source": "nb", "target": "en"},
        files={"file": ("uvaer.txt", ARTICLE.encode("utf-8"), "text/plain")},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    url = response.json()["translatedFileUrl"]
    assert url.startswith(server.url + "/download_file/")
    download = httpx.get(url)
    assert download.status_code == 200
    assert 'filename="uvaer.en.txt"' in download.headers["content-disposition"]
    english = download.text
    assert len(english.strip().split("\n\n")) == len(ARTICLE.strip().split("\n\n"))
    assert english.strip().endswith("(©NTB)")  # the footer passes through
    assert httpx.get(server.url + "/download_file/nope").status_code == 404


@pytest.mark.parametrize("name", ["budsjett.html", "budsjett.md", "ntb-uvaer.nitf.xml", "notat.docx"])
def test_translate_file_keeps_each_structured_format(server, name):
    """An upload in any format nb2en reads comes back in that format, named like batch names it."""
    import zipfile
    from io import BytesIO

    from format_samples import DATA, build_docx
    from lxml import etree

    data = build_docx() if name.endswith(".docx") else (DATA / name).read_bytes()
    response = httpx.post(
        server.url + "/translate_file",
        data={"source": "nb", "target": "en"},
        files={"file": (name, data, "application/octet-stream")},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    download = httpx.get(response.json()["translatedFileUrl"])
    assert download.status_code == 200
    english_name = name.replace(".nitf.xml", ".en.nitf.xml") if name.endswith(".nitf.xml") else name.replace(".", ".en.", 1)
    assert f'filename="{english_name}"' in download.headers["content-disposition"]
    english = download.content
    assert english != data
    if name.endswith(".docx"):
        with zipfile.ZipFile(BytesIO(english)) as archive:
            etree.fromstring(archive.read("word/document.xml"))
    elif name.endswith(".xml"):
        assert etree.fromstring(english).tag == "nitf"
    elif name.endswith(".html"):
        assert b"<table" in english and b"<script" in english
    else:
        assert english.decode("utf-8").startswith("---")  # the front matter is kept


@pytest.mark.parametrize("name", ['vær "ny"\r\nX-Evil: 1.txt', "\u20ac\u4e2d.txt"])
def test_any_uploaded_file_name_gives_a_valid_download_header(server, name):
    response = post_json(server.url + "/v1/articles", {"text": "Hei på deg.", "filename": name, "download": True})
    assert response.status_code == 200, response.text
    download = httpx.get(response.json()["download"]["url"])
    assert download.status_code == 200
    assert "x-evil" not in download.headers
    assert download.headers["content-disposition"].startswith("attachment; filename*=utf-8''")


def test_download_urls_follow_a_trusted_proxys_scheme_and_host(server):
    response = httpx.post(
        server.url + "/translate_file",
        data={"source": "nb", "target": "en"},
        files={"file": ("a.txt", "Hei på deg.".encode(), "text/plain")},
        headers={"X-Forwarded-Proto": "https", "Host": "news.example.org"},
        timeout=60,
    )
    assert response.json()["translatedFileUrl"].startswith("https://news.example.org/download_file/")


# ------------------------------------------------------------------ nb2en's own endpoints


def test_articles_gives_the_translate_json_with_a_summary(server):
    answer = post_json(server.url + "/v1/articles", {"text": ARTICLE, "summary": True, "style": "headline"}).json()
    assert [block["kind"] for block in answer["blocks"]] == ["heading", "paragraph", "quote", "footer"]
    assert answer["model"]["backend"] == "ctranslate2"
    assert answer["summary"] and answer["summary_info"]["style"] == "headline"
    assert answer["cache"]["hits"] + answer["cache"]["misses"] == 4


def test_articles_takes_a_file_and_offers_a_download(server):
    response = httpx.post(
        server.url + "/v1/articles",
        data={"download": "true"},
        files={"file": ("a.txt", ARTICLE.encode("utf-8"), "text/plain")},
        timeout=60,
    )
    answer = response.json()
    assert response.status_code == 200, answer
    assert answer["source"]["path"] == "a.txt" and answer["summary"] is None
    assert httpx.get(answer["download"]["url"]).text.count("\n\n") == 3


def test_health_and_metrics(server):
    health = httpx.get(server.url + "/health").json()
    # status and model id only: a local model folder shows its name, never its path
    assert health == {"status": "ok", "model": server.service.public_model_id()}
    assert "/" not in health["model"]
    post_json(server.url + "/translate", {"q": SENTENCES[2], "source": "nb", "target": "en"})
    post_json(server.url + "/translate", {"q": SENTENCES[2], "source": "nb", "target": "en"})
    metrics = httpx.get(server.url + "/metrics").text
    for name in (
        'nb2en_requests_total{endpoint="translate",status="200"}',
        "nb2en_sentences_total",
        "nb2en_cache_hits_total",
        "nb2en_cache_misses_total",
        "nb2en_queue_depth",
        'nb2en_request_seconds_bucket{endpoint="translate",le="0.5"}',
        "nb2en_batch_sentences_count",
    ):
        assert name in metrics
    hits = next(line for line in metrics.splitlines() if line.startswith("nb2en_cache_hits_total"))
    assert float(hits.split()[-1]) >= 1


def test_the_page_and_its_files_are_served_locally(server):
    page = httpx.get(server.url + "/")
    assert page.status_code == 200 and "Translate" in page.text
    for src in ("static/app.js", "static/app.css"):
        assert f'"{src}"' in page.text  # relative: the page works under a proxy's path prefix
        assert httpx.get(f"{server.url}/{src}").status_code == 200
    assert "http://" not in page.text.replace(server.url, "") and "https://" not in page.text


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"source": "nb", "target": "en"}, "missing q parameter"),
        ({"q": "", "source": "nb", "target": "en"}, "missing q parameter"),
        ({"q": "Hei.", "target": "en"}, "missing source parameter"),
        ({"q": "Hei.", "source": "nb"}, "missing target parameter"),
        ({"q": "Hei.", "source": "de", "target": "en"}, "de is not supported"),
        ({"q": "Hei.", "source": "nb", "target": "fr"}, "fr is not supported"),
        ({"q": "Hei.", "source": "nb", "target": "en", "format": "pdf"}, "format must be text or html"),
        ({"q": 42, "source": "nb", "target": "en"}, "q must be a string or a list of strings"),
        ({"q": ["Hei.", 3], "source": "nb", "target": "en"}, "q must be a string or a list of strings"),
    ],
)
def test_bad_parameters_are_400_with_an_error(server, payload, message):
    response = post_json(server.url + "/translate", payload)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_bad_form_posts_and_broken_json_are_400(server):
    form = httpx.post(server.url + "/translate", data={"q": "Hei.", "source": "xx", "target": "en"})
    assert form.status_code == 400 and form.json() == {"error": "xx is not supported"}
    broken = httpx.post(
        server.url + "/translate", content=b'{"q": "Hei', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]
    no_file = httpx.post(server.url + "/translate_file", data={"source": "nb", "target": "en"})
    assert no_file.status_code == 400 and "missing file parameter" in no_file.json()["error"]
    sheet = httpx.post(
        server.url + "/translate_file",
        data={"source": "nb", "target": "en"},
        files={"file": ("a.xlsx", b"PK\x03\x04", "application/octet-stream")},
    )
    assert sheet.status_code == 400 and ".xlsx is not supported" in sheet.json()["error"]
    pdf = httpx.post(  # a PDF is read (translate/formats/pdf.py), but not a cut-off one
        server.url + "/translate_file",
        data={"source": "nb", "target": "en"},
        files={"file": ("a.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert pdf.status_code == 400 and "truncated PDF" in pdf.json()["error"]
    binary = httpx.post(
        server.url + "/translate_file",
        data={"source": "nb", "target": "en"},
        files={"file": ("a.txt", b"\x00\x01\x02binary", "text/plain")},
    )
    assert binary.status_code == 400 and "binary" in binary.json()["error"]
    unknown = httpx.get(server.url + "/nothing-here")
    assert unknown.status_code == 404 and "error" in unknown.json()


def test_api_keys_are_required_when_configured(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir, api_keys=frozenset({"s3cret"})) as live:
        payload = {"q": "Hei.", "source": "nb", "target": "en"}
        missing = post_json(live.url + "/translate", payload)
        assert missing.status_code == 403 and "API key" in missing.json()["error"]
        wrong = post_json(live.url + "/translate", {**payload, "api_key": "nope"})
        assert wrong.status_code == 403 and wrong.json() == {"error": "Invalid API key"}
        assert LibreTranslateAPI(live.url, api_key="s3cret").translate("Hei på deg.", "nb", "en")
        bearer = post_json(live.url + "/detect", {"q": "Hei på deg."}, headers={"Authorization": "Bearer s3cret"})
        assert bearer.status_code == 200
        assert httpx.get(live.url + "/frontend/settings").json()["keyRequired"] is True
        assert httpx.get(live.url + "/languages").status_code == 200  # public, as in LibreTranslate


def test_oversized_bodies_are_413_and_long_texts_400(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir, max_body_bytes=2048, char_limit=100) as live:
        big = {"q": "Hei. " * 1000, "source": "nb", "target": "en"}
        declared = post_json(live.url + "/translate", big)
        assert declared.status_code == 413 and "too large" in declared.json()["error"]

        def chunks():  # no Content-Length: counted while it streams in
            for _ in range(10):
                yield b"q=" + b"x" * 500 + b"&"

        streamed = httpx.post(
            live.url + "/translate",
            content=chunks(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert streamed.status_code == 413 and "too large" in streamed.json()["error"]
        upload = httpx.post(
            live.url + "/translate_file",
            data={"source": "nb", "target": "en"},
            files={"file": ("a.txt", b"Hei. " * 1000, "text/plain")},
        )
        assert upload.status_code == 413
        over = post_json(live.url + "/translate", {"q": "Hei på deg. " * 10, "source": "nb", "target": "en"})
        assert over.status_code == 400 and over.json()["error"] == "Invalid request: request (120) exceeds text limit (100)"
        assert post_json(live.url + "/translate", {"q": "Hei på deg.", "source": "nb", "target": "en"}).status_code == 200


def read_http_response(sock) -> str:
    """One whole HTTP response from a raw socket: headers and body may arrive in separate packets."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _content_length(data):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode()


def _content_length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def test_a_client_that_stalls_mid_body_is_cut_off_with_408(tiny_marian_dir, cache_dir):
    import socket

    with running_server(tiny_marian_dir, cache_dir, body_timeout_s=1.0) as live:
        host, port = live.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 100\r\n\r\nq=Hei"
            )
            started = time.monotonic()
            answer = read_http_response(sock)
        assert answer.startswith("HTTP/1.1 408") and "did not arrive" in answer
        assert time.monotonic() - started < 8
        assert post_json(live.url + "/translate", {"q": "Hei på deg.", "source": "nb", "target": "en"}).status_code == 200


def test_a_full_queue_is_429_and_the_server_recovers(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir, no_cache=True, max_queue=3, max_wait_ms=50) as live:
        too_many = " ".join(f"Setning nummer {i} er her." for i in range(5))
        refused = post_json(live.url + "/translate", {"q": too_many, "source": "nb", "target": "en"})
        assert refused.status_code == 429 and "queue is full" in refused.json()["error"]

        def ask(i):
            text = f"Dette er setning {i}. Og dette er en til, nummer {i}."
            return post_json(live.url + "/translate", {"q": text, "source": "nb", "target": "en"}).status_code

        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(ask, range(12)))
        assert set(statuses) <= {200, 429} and 429 in statuses and 200 in statuses
        assert post_json(live.url + "/translate", {"q": "Hei på deg.", "source": "nb", "target": "en"}).status_code == 200
        assert 'status="429"' in httpx.get(live.url + "/metrics").text


def test_an_unexpected_error_is_500_logged_with_its_traceback_and_the_server_goes_on(server, caplog):
    service = server.service

    def broken(text):
        raise RuntimeError("boom in detect")

    service.detect = broken  # an instance attribute on the live service: one endpoint breaks
    try:
        with caplog.at_level(logging.ERROR, logger="nb2en.serve"):
            response = post_json(server.url + "/detect", {"q": "Hei på deg."})
        assert response.status_code == 500
        assert response.json() == {"error": "Internal server error. The server log has the details."}
        records = [record for record in caplog.records if record.exc_info]
        assert records and "boom in detect" in str(records[-1].exc_info[1])
    finally:
        del service.detect
    assert post_json(server.url + "/detect", {"q": "Hei på deg."}).status_code == 200


# ------------------------------------------------------------------ batching


def same_cap_sentences(service, count: int) -> list[str]:
    """``count`` distinct short sentences with the same source token count.

    The tiny random model never stops by itself, so every output runs to its length cap,
    and a backend batch decodes to the cap of its longest member: a run-away output depends
    on its batch companions (with a real model, an output that ends by itself does not). With
    one shared cap, and under the 6 words the repair needs, single and batched decoding are
    the same computation, so any difference would come from the batching itself.
    """
    candidates = [f"Sak {i} ble lagt fram." for i in range(400)]
    counts = service.translator.backend.count_tokens(candidates)
    common = max(set(counts), key=counts.count)
    chosen = [text for text, n in zip(candidates, counts) if n == common]
    assert len(chosen) >= count
    return chosen[:count]


def test_32_parallel_clients_each_get_their_own_single_request_answer(uncached_server):
    url = uncached_server.url + "/translate"
    service = uncached_server.service
    texts = same_cap_sentences(service, 32)
    singles = [post_json(url, {"q": text, "source": "nb", "target": "en"}).json()["translatedText"] for text in texts]
    batches_before = service.batcher.batches
    calls: list[list[str]] = []
    inner = service.batcher.translate_misses

    def recording(batch):
        if not calls:  # hold the first batch until every request is queued: all 32 are "at once"
            deadline = time.monotonic() + 60
            while service.batcher.depth + len(batch) < len(texts) and time.monotonic() < deadline:
                time.sleep(0.01)
        calls.append(list(batch))
        return inner(batch)

    service.batcher.translate_misses = recording
    shared = texts[0]  # every client also asks this one: translated once
    try:
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            answers = list(
                pool.map(lambda text: post_json(url, {"q": [text, shared], "source": "nb", "target": "en"}), texts)
            )
    finally:
        service.batcher.translate_misses = inner
    assert [answer.status_code for answer in answers] == [200] * 32
    assert [answer.json()["translatedText"] for answer in answers] == [[single, singles[0]] for single in singles]
    translated = [text for batch in calls for text in batch]
    assert sorted(translated) == sorted(texts)  # each sentence once, the shared one included
    assert service.batcher.batches - batches_before == len(calls) < 32
    assert max(len(batch) for batch in calls) > 1


# ------------------------------------------------------------------ the process


def test_sigterm_finishes_the_request_in_flight_and_exits_0(tiny_marian_dir, cache_dir, tmp_path):
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            serve_command(tiny_marian_dir, cache_dir, port, "--no-cache"),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=subprocess_env(),
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process=process)
            article = "\n\n".join(" ".join(f"{s} Avsnitt {i}." for s in SENTENCES) for i in range(6))
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pending = pool.submit(post_json, url + "/v1/articles", {"text": article})
                deadline = time.monotonic() + 60
                while not pending.done() and time.monotonic() < deadline:  # until it is at work
                    metrics = httpx.get(url + "/metrics").text
                    if 'nb2en_sentences_total 0.0' not in metrics or "nb2en_queue_depth 0.0" not in metrics:
                        break
                    time.sleep(0.02)
                process.send_signal(signal.SIGTERM)
                response = pending.result(timeout=60)
            returncode = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    log = log_path.read_text()
    assert returncode == 0, log
    assert response.status_code == 200 and len(response.json()["blocks"]) == 6
    assert "Traceback" not in log and "Finished server process" in log
    assert "Uvicorn running on http://127.0.0.1:" in log  # loopback by default


def test_serve_help_imports_no_web_framework():
    from test_imports import imported_modules

    for args in (("--help",), ("serve", "--help")):
        done, modules = imported_modules(*args)
        assert done.returncode == 0, done.stderr[-2000:]
        web = {name for name in modules if name.split(".")[0] in ("starlette", "uvicorn", "fastapi", "prometheus_client", "lxml")}
        assert web == set(), web
    assert "--api-keys" in done.stdout and "--char-limit" in done.stdout
