"""`nb2en serve` request batching: 1 client vs 16 concurrent clients, measured in one run.

    python bench/bench_serve.py                 # ~2 minutes on 2 cores
    python bench/bench_serve.py --record        # and append the numbers to bench/RESULTS.md

Builds a random-weight Marian with the real transformer-base shape (``bench/shapes.py``;
built once into ``--work`` and reused), starts the real server (uvicorn, the real app and
batching queue) in a subprocess with CTranslate2 int8 on CPU, greedy decoding (beam 1) and
no cache, waits until it is healthy (model converted and loaded: never timed), then:

1. one client posting ``/translate`` requests one after another (one sentence each),
2. 16 clients doing the same at once (closed loop: each sends its next request when its
   answer arrives),
3. the one client again (the 1-client rate is the mean of 1 and 3, so drift in the
   machine's load shows up instead of biasing the ratio),
4. fairness: one request of ``--big-sentences`` (1,000) different sentences, and meanwhile
   one client posting 1-sentence requests one after another until the big one is answered.
   Reported: p50/p95 latency of those small requests next to the 1-client p50/p95 of
   phases 1 and 3 (the round-robin queue puts each small request in the next model batch,
   so it waits for about one batch, not for the 1,000 sentences), and the big one's time.

Every request carries one different sentence (a seed-article sentence after a case number), so
no answer comes from the queue's deduplication. Reported: sentences/s, the ratio 16 vs 1
(must be at least 2x), and p50/p95 latency per request.

The random model never emits ``</s>``: every output runs to the product's length cap
(1.5 x source tokens + 10). The server here runs with ``repair=False`` so that such outputs
are not retranslated in halves (which would triple the work on both sides). In a shared
batch every sentence decodes to the cap of the batch's longest member, so the batched side
does more decoding than the single one: the ratio is, if anything, pessimistic.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

SEED_ARTICLE = REPO_ROOT / "seeds" / "ntb-2017-11-albu-kamal.txt"


def serve_worker(model_dir: str, cache_dir: str, port: int, wait_ms: float) -> None:
    """The server process: the real app on uvicorn, greedy, no cache, no repair."""
    from translate.serve.server import serve
    from translate.serve.service import ServeOptions, Service
    from translate.settings import Settings

    settings = Settings(
        model=model_dir, backend="ctranslate2", device="cpu", beam_size=1, cache_dir=Path(cache_dir), use_cache=False,
        repair=False, summarizer="extractive",
    )
    options = ServeOptions(settings=settings, max_wait_ms=wait_ms, max_queue=4096, char_limit=None, max_queue_wait_s=None)
    serve(Service(options), host="127.0.0.1", port=port, access_log=False, log_level="warning")


def seed_sentences() -> list[str]:
    from translate.article import parse_article

    article = parse_article(SEED_ARTICLE.read_text(encoding="utf-8"))
    return [s.source for s in article.sentences() if s.translate and len(s.source.split()) >= 5]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 600) -> float:
    import httpx

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url + "/health", timeout=5).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become healthy")


class Load:
    """Closed-loop clients posting one distinct sentence per request."""

    def __init__(self, url: str, sentences: list[str]):
        self.url = url
        self.sentences = sentences
        self.counter = 0
        self.lock = threading.Lock()

    def next_text(self) -> str:
        with self.lock:
            n = self.counter
            self.counter += 1
        return f"Sak {n}: {self.sentences[n % len(self.sentences)]}"

    def run(self, clients: int, seconds: float) -> dict:
        import httpx

        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds

        def client() -> None:
            nonlocal errors
            with httpx.Client(timeout=120) as http:
                while time.perf_counter() < deadline:
                    text = self.next_text()
                    started = time.perf_counter()
                    response = http.post(self.url + "/translate", json={"q": text, "source": "nb", "target": "en"})
                    elapsed = time.perf_counter() - started
                    with self.lock:
                        if response.status_code == 200:
                            latencies.append(elapsed)
                        else:
                            errors += 1

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            for future in [pool.submit(client) for _ in range(clients)]:
                future.result()
        wall = time.perf_counter() - started
        latencies.sort()
        return {
            "clients": clients,
            "sentences": len(latencies),
            "errors": errors,
            "wall_s": wall,
            "sentences_per_s": len(latencies) / wall,
            "p50_s": statistics.median(latencies) if latencies else float("nan"),
            "p95_s": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else float("nan"),
        }


def fairness(url: str, sentences: list[str], big: int) -> dict:
    """Latency of 1-sentence requests while one ``big``-sentence request is served."""
    import httpx

    texts = [f"Dokument {n}: {sentences[n % len(sentences)]}" for n in range(big)]
    done = threading.Event()
    outcome: dict = {}

    def big_request() -> None:
        started = time.perf_counter()
        with httpx.Client(timeout=3600) as http:
            response = http.post(url + "/translate", json={"q": texts, "source": "nb", "target": "en"})
        outcome["status"] = response.status_code
        outcome["big_s"] = time.perf_counter() - started
        done.set()

    thread = threading.Thread(target=big_request)
    thread.start()
    time.sleep(1.0)  # the big one is queued first
    latencies: list[float] = []
    n = 0
    with httpx.Client(timeout=600) as http:
        while not done.is_set():
            started = time.perf_counter()
            response = http.post(url + "/translate", json={"q": f"Liten {n}: {sentences[n % len(sentences)]}",
                                                          "source": "nb", "target": "en"})
            if response.status_code == 200 and not done.is_set():
                latencies.append(time.perf_counter() - started)
            n += 1
    thread.join()
    latencies.sort()
    return {
        **outcome,
        "small": len(latencies),
        "p50_s": statistics.median(latencies) if latencies else float("nan"),
        "p95_s": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else float("nan"),
    }


def batch_sizes(url: str) -> tuple[float, float]:
    """(model batches, sentences in them) from the server's /metrics."""
    import httpx

    values = {}
    for line in httpx.get(url + "/metrics").text.splitlines():
        if line.startswith(("nb2en_batch_sentences_count", "nb2en_batch_sentences_sum")):
            name, value = line.split()
            values[name] = float(value)
    return values.get("nb2en_batch_sentences_count", 0.0), values.get("nb2en_batch_sentences_sum", 0.0)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=BENCH_DIR / "out" / "serve", help="Model and cache folder (reused).")
    parser.add_argument("--seconds", type=float, default=25.0, help="Seconds per phase (three phases).")
    parser.add_argument("--stop", choices=["never", "realistic"], default="never",
                        help="Bench model that runs to the cap (worst case) or stops like a real one (bench/shapes.py).")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--wait-ms", type=float, default=5.0, help="The queue's --batch-wait-ms.")
    parser.add_argument("--big-sentences", type=int, default=1000, help="Sentences of the big request (0: skip phase 4).")
    parser.add_argument("--record", action="store_true", help="Append the results to bench/RESULTS.md.")
    parser.add_argument("--serve-worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_worker:
        model_dir, cache_dir, port, wait_ms = args.serve_worker
        serve_worker(model_dir, cache_dir, int(port), float(wait_ms))
        return

    total_started = time.perf_counter()
    from shapes import bench_model

    print(f"the random transformer-base model ({args.stop}) in {args.work} ...", flush=True)
    model_dir = bench_model(args.work, "base", args.stop)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-worker", str(model_dir), str(args.work / "cache"),
               str(port), str(args.wait_ms)]
    server = subprocess.Popen(command, env=env, cwd=REPO_ROOT)
    try:
        ready_s = wait_healthy(url, server)
        load = Load(url, seed_sentences())
        load.run(2, 3.0)  # warm-up, not counted
        batches_before = batch_sizes(url)
        single_a = load.run(1, args.seconds)
        batches_single = batch_sizes(url)
        many = load.run(args.clients, args.seconds)
        batches_many = batch_sizes(url)
        single_b = load.run(1, args.seconds)
        fair = fairness(url, seed_sentences(), args.big_sentences) if args.big_sentences else None
    finally:
        server.terminate()
        server_rc = server.wait(timeout=60)
    single_rate = (single_a["sentences_per_s"] + single_b["sentences_per_s"]) / 2
    ratio = many["sentences_per_s"] / single_rate
    mean_batch_single = (batches_single[1] - batches_before[1]) / max(1.0, batches_single[0] - batches_before[0])
    mean_batch_many = (batches_many[1] - batches_single[1]) / max(1.0, batches_many[0] - batches_single[0])
    rows = [("1 client", single_a, mean_batch_single), (f"{args.clients} clients", many, mean_batch_many),
            ("1 client again", single_b, None)]
    lines = [
        "| clients | requests (1 sentence each) | errors | s | sentences/s | p50 latency s | p95 latency s | mean model batch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, row, batch in rows:
        lines.append(
            f"| {label} | {row['sentences']} | {row['errors']} | {row['wall_s']:.1f} | {row['sentences_per_s']:.2f} | "
            f"{row['p50_s']:.3f} | {row['p95_s']:.3f} | {'-' if batch is None else f'{batch:.1f}'} |"
        )
    summary = (
        f"- {args.clients} concurrent clients vs 1 client: **{ratio:.2f}x** sentences/s "
        f"({many['sentences_per_s']:.2f} vs {single_rate:.2f}, the mean of both 1-client phases)"
    )
    if fair is not None:
        summary += (
            f"\n- fairness: while one request of {args.big_sentences} sentences was served "
            f"({fair['big_s']:.1f} s, status {fair['status']}), {fair['small']} one-sentence requests took "
            f"p50 **{fair['p50_s']:.2f} s**, p95 **{fair['p95_s']:.2f} s** "
            f"(1 client alone: p95 {single_a['p95_s']:.2f} s and {single_b['p95_s']:.2f} s)"
        )
    loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = "\n".join(lines + ["", summary])
    print(report)
    print(f"server ready (model converted and loaded) in {ready_s:.1f} s; server exit code {server_rc}; "
          f"load average {loadavg}; total {time.perf_counter() - total_started:.0f} s")
    if args.record:
        section = (
            "\n## Serve: request batching with the fair (round-robin) queue\n\n"
            "`nb2en serve` with a random transformer-base-shaped Marian (CTranslate2 int8, CPU, greedy, no cache, "
            "no repair; see the docstring of bench/bench_serve.py), one sentence per `/translate` request, "
            f"{args.seconds:g} s per phase, queue wait {args.wait_ms:g} ms, OMP_NUM_THREADS="
            f"{os.environ.get('OMP_NUM_THREADS', 'unset')}, load average {loadavg} at the end:\n\n"
            f"```\npython bench/bench_serve.py --seconds {args.seconds:g} --clients {args.clients} "
            f"--big-sentences {args.big_sentences} --record\n```\n\n"
            + report + "\n"
        )
        with open(BENCH_DIR / "RESULTS.md", "a", encoding="utf-8") as handle:
            handle.write(section)
    if ratio < 2.0:
        print("WARNING: the ratio is under 2x", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
