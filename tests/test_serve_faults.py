"""`nb2en serve` under hostile and unlucky traffic, on the real server (issue 22).

One huge request and a small one at once; a client that disconnects (its work dropped, a
499 line, never a 500); a zip-bomb upload; SIGTERM mid-request and mid-batch; a client
that trickles its headers; overload (429 with Retry-After, fast); JSON nested deep and lone
surrogates; keys checked before the body and kept out of the log; CORS; ``--req-limit``;
``--metrics-key``; ``/suggest``; ``alternatives``. The tiny random model's English is
gibberish: the tests check statuses, counts, ordering and what the server logs.
"""

from __future__ import annotations

import concurrent.futures
import io
import signal
import socket
import subprocess
import time
import zipfile
import zlib

import httpx
import pytest
from serve_harness import free_socket, running_server, serve_command, subprocess_env, wait_healthy

TRANSLATE = {"source": "nb", "target": "en"}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("serve-faults-cache")


@pytest.fixture(scope="module")
def server(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir, no_cache=True, max_wait_ms=5) as live:
        yield live


def post(url: str, payload, **kwargs) -> httpx.Response:
    kwargs.setdefault("timeout", 120)
    return httpx.post(url, json=payload, **kwargs)


def host_port(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def metric(url: str, needle: str, **kwargs) -> str:
    return "\n".join(line for line in httpx.get(url + "/metrics", **kwargs).text.splitlines() if needle in line)


# ------------------------------------------------------------------ one request cannot stop everyone


def test_a_4_mb_request_and_a_small_one_at_once(server):
    huge = "a" * (4 * 1024 * 1024)  # letters, no space, no full stop
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        big = pool.submit(post, server.url + "/translate", {"q": huge, **TRANSLATE})
        started = time.monotonic()
        small = post(server.url + "/translate", {"q": "Hei på deg.", **TRANSLATE})
        small_seconds = time.monotonic() - started
        refused = big.result(timeout=120)
    assert small.status_code == 200 and small_seconds < 60  # answered in seconds (generous: a shared CI box)
    assert refused.status_code == 400
    assert refused.json()["error"] == f"Invalid request: request ({len(huge)}) exceeds text limit (100000)"


def test_a_text_with_no_sentence_boundary_is_cut_into_pieces_that_take_turns(tiny_marian_dir, cache_dir):
    """Under the limit, a boundary-less text reaches the queue in bounded pieces, so a small
    request sent after it is answered while it is still being translated."""
    import random

    words = "og det var en fin dag i byen der folk gikk til torget med kaffe mens regnet falt over fjorden".split()
    chooser = random.Random(22)
    long_text = " ".join(chooser.choice(words) for _ in range(2500))  # about 11,000 characters, no full stop
    with running_server(tiny_marian_dir, cache_dir, no_cache=True, max_piece_chars=100) as live:
        service = live.service
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            big = pool.submit(post, live.url + "/translate", {"q": long_text, **TRANSLATE})
            deadline = time.monotonic() + 60
            while service.batcher.depth < 10 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert service.batcher.depth >= 10  # pieces, not one 11,000-character item
            small = post(live.url + "/translate", {"q": "Dette er en kort setning.", **TRANSLATE})
            assert small.status_code == 200
            assert not big.done()  # the small one did not wait for the big one
            answer = big.result(timeout=300)
        assert answer.status_code == 200 and answer.json()["translatedText"]


def test_a_client_that_disconnects_has_its_work_dropped_and_is_no_error(server):
    service = server.service
    texts = [f"Setning nummer {i} handler om været i Bergen." for i in range(400)]
    errors_before = metric(server.url, 'status="500"')
    with pytest.raises(httpx.TimeoutException):
        post(server.url + "/translate", {"q": texts, **TRANSLATE}, timeout=1.5)  # the client gives up
    deadline = time.monotonic() + 30
    while service.batcher.depth and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service.batcher.depth == 0  # the rest of its sentences left the queue
    batches = service.batcher.batches
    time.sleep(0.5)
    assert service.batcher.batches - batches <= 1  # no more model work for it
    assert 'endpoint="translate",status="499"' in metric(server.url, "499")
    assert metric(server.url, 'status="500"') == errors_before
    assert post(server.url + "/translate", {"q": "Hei på deg.", **TRANSLATE}).status_code == 200


def test_a_disconnect_mid_body_is_a_499_line_not_a_500(server, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="nb2en.serve"):
        with socket.create_connection(host_port(server.url), timeout=10) as sock:
            sock.sendall(
                b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n{\"q\": \"Hei"
            )
            time.sleep(0.3)
        deadline = time.monotonic() + 10
        while not any("499" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert any("499 client disconnected" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    assert 'status="500"' not in metric(server.url, "nb2en_requests_total")


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"q": ' + b"[" * 100_000 + b"]" * 100_000 + b', "source": "nb", "target": "en"}', "nested deeper"),
        (b'{"q": ' + b"[" * 40 + b"]" * 40 + b', "source": "nb", "target": "en"}', "nested deeper"),
        (b'{"q": "\\ud800", "source": "nb", "target": "en"}', "not valid Unicode"),
        (b'{"q": "Hei", "\\udfff": 1, "source": "nb", "target": "en"}', "not valid Unicode"),
    ],
)
def test_deep_json_and_lone_surrogates_are_400(server, body, message):
    response = httpx.post(
        server.url + "/translate", content=body, headers={"content-type": "application/json"}, timeout=60
    )
    assert response.status_code == 400 and message in response.json()["error"]


def docx_bomb(inflated: int = 1024 * 1024 * 1024) -> bytes:
    """A .docx of about 1 MiB whose word/document.xml inflates to ``inflated`` bytes."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b" " * (1024 * 1024)
    body = b"".join(squeeze.compress(chunk) for _ in range(inflated // len(chunk))) + squeeze.flush()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = inflated
        info.compress_size = len(body)
        info.CRC = 0
        # Written by hand: a deflate stream made above, sizes declared as they are.
        header = info.FileHeader()
        offset = buffer.tell()
        buffer.write(header)
        buffer.write(body)
        info.header_offset = offset
        archive.filelist.append(info)
        archive.NameToInfo[info.filename] = info
        archive.start_dir = buffer.tell()
    return buffer.getvalue()


def peak_rss_reset() -> None:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def peak_rss_bytes() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_a_zip_bomb_docx_is_refused_in_seconds_without_the_memory(server):
    bomb = docx_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    peak_rss_reset()
    before = peak_rss_bytes()
    started = time.monotonic()
    response = httpx.post(
        server.url + "/translate_file",
        data=TRANSLATE,
        files={"file": ("bomb.docx", bomb, "application/octet-stream")},
        timeout=120,
    )
    seconds = time.monotonic() - started
    grown = peak_rss_bytes() - before
    assert response.status_code in (400, 413), response.text
    assert "error" in response.json()
    assert seconds < 60 and grown < 300 * 1024 * 1024, (seconds, grown)


# ------------------------------------------------------------------ slow clients and overload


def test_a_client_trickling_its_headers_is_closed(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir, header_timeout_s=1.5) as live:
        with socket.create_connection(host_port(live.url), timeout=10) as sock:
            started = time.monotonic()
            closed_after = None
            for byte in b"POST /translate HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200:
                try:
                    sock.sendall(bytes([byte]))
                    sock.settimeout(0.25)
                    if sock.recv(1024) == b"":
                        closed_after = time.monotonic() - started
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed_after = time.monotonic() - started
                    break
                if time.monotonic() - started > 60:
                    break
        assert closed_after is not None and closed_after < 60
        assert post(live.url + "/translate", {"q": "Hei på deg.", **TRANSLATE}).status_code == 200


def test_48_clients_against_max_queue_32_get_200_or_a_fast_429(tiny_marian_dir, cache_dir, tmp_path):
    """The server in its own process (as users run it), so the 48 client threads of this
    test do not share its interpreter."""
    process, url, log_file = start_server(
        tiny_marian_dir, cache_dir, tmp_path / "serve.log", "--no-cache", "--max-queue", "32", "--batch-wait-ms", "20"
    )
    try:

        def ask(i):
            texts = [f"Klient {i} spør om setning {j} i dag." for j in range(4)]
            started = time.monotonic()
            response = post(url + "/translate", {"q": texts, **TRANSLATE})
            return response, time.monotonic() - started

        with concurrent.futures.ThreadPoolExecutor(48) as pool:
            results = list(pool.map(ask, range(48)))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        stop(process, log_file)
    statuses = [response.status_code for response, _ in results]
    assert set(statuses) <= {200, 429}, statuses
    assert 200 in statuses and 429 in statuses
    refused = [seconds for response, seconds in results if response.status_code == 429]
    for response, _ in results:
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert "queue is full" in response.json()["error"]
    # Refused at once, not after a wait for the model: a refusal is quicker than an answer
    # (a ratio, not seconds: this 2-core box is shared). Measured on it at load average 32:
    # 429s in 4.2-7.3 s, the 200s in 4.1-11.3 s (bench/RESULTS.md has the idle numbers).
    served = sorted(seconds for response, seconds in results if response.status_code == 200)
    assert sorted(refused)[len(refused) // 2] < served[len(served) // 2], (sorted(refused), served)


def test_req_limit_per_client_per_minute(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir, req_limit=3) as live:
        statuses = [post(live.url + "/detect", {"q": "Hei på deg."}) for _ in range(4)]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429]
        assert statuses[-1].json() == {"error": "Slowdown: 3 per 1 minute"}
        assert 1 <= int(statuses[-1].headers["Retry-After"]) <= 60
        assert httpx.get(live.url + "/languages").status_code == 200  # reading is not limited


# ------------------------------------------------------------------ keys, metrics, health


def test_a_wrong_key_in_the_query_is_403_before_the_body_is_read(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir, api_keys=frozenset({"s3cret"})) as live:
        with socket.create_connection(host_port(live.url), timeout=10) as sock:
            sock.sendall(
                b"POST /translate?api_key=wrong HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 10000000\r\n\r\n"
            )  # a 10 MB body announced, none of it sent
            sock.settimeout(10)
            answer = b""
            while b"Invalid API key" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
            answer = answer.decode()
        assert answer.startswith("HTTP/1.1 403") and "Invalid API key" in answer
        js = post(live.url + "/translate", {"q": "Hei.", **TRANSLATE, "apiKey": "s3cret"})  # the npm client's name
        assert js.status_code == 200
        query = post(live.url + "/translate?apiKey=s3cret", {"q": "Hei.", **TRANSLATE})
        assert query.status_code == 200
        form = httpx.post(live.url + "/translate", data={"q": "Hei.", **TRANSLATE, "api_key": "s3cret"})
        assert form.status_code == 200


def test_metrics_key_protects_metrics(tiny_marian_dir, cache_dir):
    with running_server(tiny_marian_dir, cache_dir, metrics_key="m3trics") as live:
        assert httpx.get(live.url + "/metrics").status_code == 401
        assert httpx.get(live.url + "/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        ok = httpx.get(live.url + "/metrics", headers={"Authorization": "Bearer m3trics"})
        assert ok.status_code == 200 and "nb2en_requests_total" in ok.text


# ------------------------------------------------------------------ LibreTranslate parity


def test_cors_is_open_by_default_and_narrowed_by_cors_origins(server, tiny_marian_dir, cache_dir):
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "Content-Type"}
    answer = httpx.options(server.url + "/translate", headers=preflight)
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"
    assert "POST" in answer.headers["access-control-allow-methods"]
    simple = post(server.url + "/translate", {"q": "Hei.", **TRANSLATE}, headers={"Origin": "https://app.example"})
    assert simple.headers["access-control-allow-origin"] == "*"
    with running_server(tiny_marian_dir, cache_dir, cors_origins=("https://desk.example",)) as live:
        allowed = httpx.options(live.url + "/translate", headers={**preflight, "Origin": "https://desk.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://desk.example"
        other = httpx.options(live.url + "/translate", headers=preflight)
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers


def test_spec_describes_every_endpoint_and_docs_is_served_locally(server):
    spec = httpx.get(server.url + "/spec").json()
    assert spec["openapi"].startswith("3.")
    routes = {"/translate", "/detect", "/languages", "/translate_file", "/download_file/{file_id}", "/suggest",
              "/frontend/settings", "/v1/articles", "/health", "/metrics", "/spec", "/docs"}
    assert routes <= set(spec["paths"])
    assert httpx.post(server.url + "/spec").status_code == 405
    docs = httpx.get(server.url + "/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    assert "POST /translate" in docs.text and "<script" not in docs.text and "//cdn" not in docs.text


def test_alternatives_come_from_the_beam_and_bad_values_are_400(server):
    one = post(server.url + "/translate", {"q": "Regjeringen la fram budsjettet i dag.", **TRANSLATE, "alternatives": 2})
    assert one.status_code == 200
    body = one.json()
    assert isinstance(body["alternatives"], list) and len(body["alternatives"]) <= 2
    assert all(isinstance(a, str) and a and a != body["translatedText"] for a in body["alternatives"])
    many = post(server.url + "/translate", {"q": ["Hei på deg.", "God morgen, Norge."], **TRANSLATE, "alternatives": 1})
    assert len(many.json()["alternatives"]) == 2 and all(isinstance(a, list) for a in many.json()["alternatives"])
    assert "alternatives" not in post(server.url + "/translate", {"q": "Hei.", **TRANSLATE}).json()
    bad = post(server.url + "/translate", {"q": "Hei.", **TRANSLATE, "alternatives": "many"})
    assert bad.status_code == 400 and bad.json() == {"error": "Invalid request: alternatives parameter is not a number"}
    over = post(server.url + "/translate", {"q": "Hei.", **TRANSLATE, "alternatives": 9})
    assert over.status_code == 400 and over.json() == {"error": "Invalid request: alternatives parameter must be <= 3"}


def test_post_languages_is_405_and_suggest_is_off_by_default(server):
    assert httpx.post(server.url + "/languages").status_code == 405
    off = httpx.post(server.url + "/suggest", data={"q": "Hei.", "s": "Hi.", **TRANSLATE})
    assert off.status_code == 403 and off.json() == {"error": "Suggestions are disabled on this server."}
    assert httpx.get(server.url + "/frontend/settings").json()["suggestions"] is False


def test_suggest_hands_the_pair_to_the_memory_when_enabled(tiny_marian_dir, cache_dir):
    class Memory:
        def __init__(self):
            self.added = []

        def add(self, q, s, source, target):
            self.added.append((q, s, source, target))

    memory = Memory()
    with running_server(tiny_marian_dir, cache_dir, suggestions=True, memory=memory) as live:
        done = httpx.post(live.url + "/suggest", data={"q": "Hei.", "s": "Hi.", **TRANSLATE})
        assert done.status_code == 200 and done.json() == {"success": True}
        missing = httpx.post(live.url + "/suggest", data={"q": "Hei.", **TRANSLATE})
        assert missing.status_code == 400 and missing.json() == {"error": "Invalid request: missing s parameter"}
        assert httpx.get(live.url + "/frontend/settings").json()["suggestions"] is True
    assert memory.added == [("Hei.", "Hi.", "nb", "en")]


# ------------------------------------------------------------------ the process: SIGTERM, the log


def start_server(tiny_marian_dir, cache_dir, log_path, *extra):
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    log_file = open(log_path, "w")
    process = subprocess.Popen(
        serve_command(tiny_marian_dir, cache_dir, port, *extra), stdout=log_file, stderr=subprocess.STDOUT,
        env=subprocess_env(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process=process)
    except BaseException:
        process.kill()
        process.wait()
        log_file.close()
        raise
    return process, url, log_file


def stop(process, log_file) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
    log_file.close()


def test_sigterm_mid_batch_answers_503_json_and_exits_0_within_the_drain(tiny_marian_dir, cache_dir, tmp_path):
    log_path = tmp_path / "serve.log"
    process, url, log_file = start_server(
        tiny_marian_dir, cache_dir, log_path, "--no-cache", "--drain-seconds", "1", "--max-queue", "5000"
    )
    try:
        texts = [f"Avsnitt {i} forteller om en lang dag i Stortinget med mange saker." for i in range(1500)]
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(post, url + "/translate", {"q": texts, **TRANSLATE})
            deadline = time.monotonic() + 60
            while "batch_sentences_count" not in metric(url, "nb2en_batch_sentences_count 1") and time.monotonic() < deadline:
                time.sleep(0.1)  # the model is busy with this request
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            returncode = process.wait(timeout=30)
            exited_after = time.monotonic() - signalled
            try:
                response = pending.result(timeout=30)
            except httpx.TransportError:
                response = None
    finally:
        stop(process, log_file)
    log = log_path.read_text()
    assert returncode == 0, log
    assert exited_after < 1 + 15, log  # the drain plus a few seconds (generous: a shared CI box)
    assert response is not None and response.status_code == 503, log
    assert "shutting down" in response.json()["error"]
    assert "Traceback" not in log and "CancelledError" not in log


def test_api_keys_never_reach_the_log(tiny_marian_dir, cache_dir, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("s3cret-key\n")
    log_path = tmp_path / "serve.log"
    process, url, log_file = start_server(tiny_marian_dir, cache_dir, log_path, "--api-keys", str(keys))
    try:
        assert post(url + "/translate?api_key=s3cret-key", {"q": "Hei.", **TRANSLATE}).status_code == 200
        assert post(url + "/translate?apiKey=wrong-key", {"q": "Hei.", **TRANSLATE}).status_code == 403
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        stop(process, log_file)
    log = log_path.read_text()
    assert "/translate?api_key=***" in log and "apiKey=***" in log
    assert "s3cret-key" not in log and "wrong-key" not in log
