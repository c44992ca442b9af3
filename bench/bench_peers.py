"""nb2en vs Argos Translate, argos-translate-files and LibreTranslate on the same model file.

    python bench/bench_peers.py --peers-python /work/peers-venv/bin/python --stop realistic,never

Installs nothing: the peers run from a separate virtualenv that has ``libretranslate`` and
``argos-translate-files`` (see bench/RESULTS.md for how one was built). For each bench model
(``bench/shapes.py``; "realistic" stops like a trained model, "never" runs to the cap) this:

1. converts it once to CTranslate2 int8 through nb2en's own backend, and packages that very
   directory as an Argos package (``metadata.json``, ``model/`` -> the converted copy,
   ``sentencepiece.model`` = the source sentencepiece model) in a private package folder.
   Offline, Argos' sentence splitter (MiniSBD) would try to download its ONNX model; the peer
   processes replace its ``split_sentences`` with nb2en's own splitter, so both sides
   translate the same sentences.
2. starts two workers, one per side, each loading its model once and warming it up, and
   sends them the same jobs in interleaved rounds (nb2en, peer, peer, nb2en, ...):
   the seed article as .txt (Argos library: ``translate``; nb2en: the library's read,
   translate, render), as .html and .docx (argos-translate-files ``translate_file``; nb2en
   the same library path), and a batch of NTREX articles (``../shared/data/ntrex`` grouped by
   ``DOCUMENT_IDS.tsv``, one .txt each: a loop of ``translate_file`` with the model loaded
   once vs nb2en's ``run_batch``).
3. serves: ``nb2en serve`` and LibreTranslate (waitress, its defaults otherwise), one NTREX
   sentence per ``/translate`` request (``--serve-unit article``: one NTREX article), 1 and 16
   concurrent clients, alternating. Both servers run with the counting translator too
   (decoded tokens and sentences per model call, read from a file between phases).

Both sides get the same CTranslate2 file, compute type (int8), intra-op threads (--threads)
and beam (4); decoded tokens are counted the same way on both sides (a subclass of
``ctranslate2.Translator`` adds up the returned hypotheses), so every row also reads as
seconds per decoded token. Differences that remain are listed in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SHARED = REPO_ROOT.parent / "shared"
SEED = REPO_ROOT / "seeds" / "ntb-2017-11-albu-kamal.txt"


# ------------------------------------------------------------------ both workers


def count_decoded_tokens(counts_file: Path | None = None) -> dict:
    """Replace ``ctranslate2.Translator`` by a subclass that counts decoded tokens and calls;
    a server's counts also go to ``counts_file`` after every call (read between load phases)."""
    import ctranslate2

    counts = {"tokens": 0, "calls": 0, "sentences": 0}
    lock = threading.Lock()

    class Counting(ctranslate2.Translator):
        def translate_batch(self, source, *args, **kwargs):
            results = super().translate_batch(source, *args, **kwargs)
            with lock:
                counts["calls"] += 1
                counts["sentences"] += len(source)
                counts["tokens"] += sum(len(r.hypotheses[0]) for r in results)
                if counts_file is not None:
                    staging = counts_file.with_suffix(".tmp")
                    staging.write_text(json.dumps(counts))
                    staging.replace(counts_file)
            return results

    ctranslate2.Translator = Counting
    return counts


def serve_jobs(run, counts: dict) -> None:
    """Read one JSON job a line on stdin; answer with seconds and decoded tokens on stdout."""
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        before = dict(counts)
        started = time.perf_counter()
        run(job)
        seconds = time.perf_counter() - started
        print(json.dumps({"s": seconds, **{k: counts[k] - before[k] for k in counts}}), flush=True)


def nb2en_worker(model_dir: str, cache_dir: str, threads: int, beam: int, repair: bool = True) -> None:
    counts = count_decoded_tokens()
    from translate.batch import BatchOptions
    from translate.batch.run import run_batch
    from translate.formats import open_document
    from translate.pipeline import Translator, prepare_document, translate_prepared
    from translate.render import render_output
    from translate.settings import Settings

    settings = Settings(model=model_dir, backend="ctranslate2", device="cpu", beam_size=beam, threads=threads,
                        cache_dir=Path(cache_dir), use_cache=False, output_format="same", repair=repair)
    translator = Translator(settings)
    translator.translate_misses(["Dette er en setning for å varme opp modellen."])

    def run(job: dict) -> None:
        if job["op"] == "file":
            document = open_document(job["path"])
            result = translate_prepared([prepare_document(document)], translator)[0]
            Path(job["out"]).write_bytes(_as_bytes(render_output(result, settings.output_format)))
        else:
            out = Path(job["out"])
            shutil.rmtree(out, ignore_errors=True)
            run_batch(BatchOptions(in_dir=Path(job["dir"]), out_dir=out, force=True), translator)

    serve_jobs(run, counts)


def _as_bytes(content) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def use_nb2en_splitter() -> None:
    """Offline, Argos' MiniSBD would download a model: split with nb2en's splitter instead."""
    sys.path.insert(0, str(REPO_ROOT))
    from argostranslate import sbd

    from translate.segment import split_sentences

    sbd.MiniSBDSentencizer.split_sentences = lambda self, text: split_sentences(text)


def argos_worker() -> None:
    counts = count_decoded_tokens()
    use_nb2en_splitter()
    import argostranslatefiles.argostranslatefiles as files
    from argostranslate import translate

    # Argos wraps each translation in a CachedTranslation that reuses the previous call's
    # paragraphs: the rounds repeat the same article, so translate with the package itself.
    translation = translate.get_translation_from_codes("nb", "en").underlying
    translation.translate("Dette er en setning for å varme opp modellen.")

    def translate_file(path: Path, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        if not files.translate_file(translation, str(path.resolve()), lambda _t, fp: str(out_dir / Path(fp).name)):
            raise RuntimeError(f"argos-translate-files did not translate {path}")

    def run(job: dict) -> None:
        if job["op"] == "text":
            Path(job["out"]).write_text(translation.translate(Path(job["path"]).read_text(encoding="utf-8")))
        elif job["op"] == "file":
            translate_file(Path(job["path"]), Path(job["out"]))
        else:  # a loop over the folder's files, the model loaded once
            for path in sorted(Path(job["dir"]).glob("*.txt")):
                translate_file(path, Path(job["out"]))

    serve_jobs(run, counts)


def libretranslate_worker(port: int, counts_file: str) -> None:
    count_decoded_tokens(Path(counts_file))
    use_nb2en_splitter()
    sys.argv = ["libretranslate", "--host", "127.0.0.1", "--port", str(port), "--load-only", "nb,en",
                "--disable-web-ui", "--char-limit", "100000"]
    from libretranslate.main import main

    main()


def nb2en_serve_worker(counts_file: str, serve_args: list[str]) -> None:
    """``nb2en serve`` with its decoded tokens counted (the source tree on PYTHONPATH)."""
    count_decoded_tokens(Path(counts_file))
    sys.argv = ["nb2en", "serve", *serve_args]
    from translate.cli import main

    main()


# ------------------------------------------------------------------ the driver


def prepare_package(model_dir: Path, converted: Path, packages: Path) -> None:
    """An Argos package whose ``model`` is nb2en's converted copy (the same file on both sides)."""
    shutil.rmtree(packages, ignore_errors=True)
    # LibreTranslate goes to the network for its package index when fewer than two packages
    # are installed, so an en->nb twin (never used) keeps it offline.
    for source, target in (("nb", "en"), ("en", "nb")):
        package = packages / f"translate-{source}_{target}-bench"
        package.mkdir(parents=True)
        # The same weights file; only config.json differs: Marian models expect "</s>" after
        # the source, which nb2en appends itself and Argos does not, so the package's copy
        # of the config asks CTranslate2 to append it (without it the realistic model never
        # stops: it stops when its attention reaches the source's "</s>").
        model = package / "model"
        model.mkdir()
        for item in Path(converted).resolve().iterdir():
            if item.name != "config.json":
                (model / item.name).symlink_to(item)
        config = json.loads((Path(converted) / "config.json").read_text())
        (model / "config.json").write_text(json.dumps({**config, "add_source_eos": True}, indent=1))
        shutil.copy(model_dir / "source.spm", package / "sentencepiece.model")
        names = {"nb": "Norwegian Bokmål", "en": "English"}
        (package / "metadata.json").write_text(json.dumps({
            "package_version": "1.0", "argos_version": "1.9.0", "from_code": source, "from_name": names[source],
            "to_code": target, "to_name": names[target], "type": "translate",
        }))


def convert_for_nb2en(model_dir: Path, cache_dir: Path) -> Path:
    from translate.backends import BackendChoice, DecodingSettings, create_backend
    from translate.models import resolve_model

    backend = create_backend(resolve_model(str(model_dir)), BackendChoice("ctranslate2", "cpu", "int8", "bench"),
                             DecodingSettings(), cache_dir)
    return backend.ensure_converted()


def ntrex_documents(count: int) -> dict[str, list[str]]:
    """The sentences of the first ``count`` NTREX documents (``DOCUMENT_IDS.tsv``), by document id."""
    ids = (SHARED / "data" / "ntrex" / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    lines = (SHARED / "data" / "ntrex" / "newstest2019-ref.nob.txt").read_text(encoding="utf-8").splitlines()
    docs: dict[str, list[str]] = {}
    for doc, line in zip(ids, lines):
        if doc in docs or len(docs) < count:
            docs.setdefault(doc, []).append(line.strip())
    return docs


def ntrex_articles(count: int, out_dir: Path) -> int:
    """The first ``count`` NTREX documents as one .txt each (sentences of a document joined); sentences."""
    docs = ntrex_documents(count)
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    for n, (doc, sentences) in enumerate(docs.items()):
        (out_dir / f"{n:03d}-{doc.replace('/', '_')}.txt").write_text(" ".join(sentences) + "\n", encoding="utf-8")
    return sum(len(s) for s in docs.values())


def serve_requests(unit: str) -> list[tuple[str, int]]:
    """What each ``/translate`` request of the serve rows sends, with its sentence count: one
    NTREX sentence (the first 400), or one NTREX article (the first 40, sentences joined)."""
    if unit == "sentence":
        lines = (SHARED / "data" / "ntrex" / "newstest2019-ref.nob.txt").read_text(encoding="utf-8").splitlines()
        return [(line, 1) for line in lines[:400]]
    return [(" ".join(sentences), len(sentences)) for sentences in ntrex_documents(40).values()]


def seed_files(work: Path) -> dict[str, Path]:
    """The seed article as .txt, .html and .docx (one paragraph per block)."""
    text = SEED.read_text(encoding="utf-8")
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    work.mkdir(parents=True, exist_ok=True)
    paths = {"txt": work / "seed.txt", "html": work / "seed.html", "docx": work / "seed.docx"}
    paths["txt"].write_text(text, encoding="utf-8")
    from html import escape

    paths["html"].write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>seed</title></head><body>"
                             + "".join(f"<p>{escape(b)}</p>" for b in blocks) + "</body></html>", encoding="utf-8")
    import docx

    document = docx.Document()
    for b in blocks:
        document.add_paragraph(b)
    document.save(paths["docx"])
    return paths


class Worker:
    def __init__(self, command: list[str], env: dict):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                        cwd=REPO_ROOT)
        self._expect_ready()

    def _read(self) -> dict:
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"worker {self.process.args[:3]} exited ({self.process.wait()})")
            if line.startswith("{"):
                return json.loads(line)

    def _expect_ready(self) -> None:
        assert self._read().get("ready")

    def run(self, job: dict) -> dict:
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def wait_up(url: str, process: subprocess.Popen, limit: float = 600) -> None:
    started = time.time()
    while time.time() - started < limit:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode})")
        try:
            post(url + "/translate", {"q": "Hei.", "source": "nb", "target": "en"})
            return
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{url} answered {error.code}: {error.read()[:300]!r}") from None
        except OSError:
            time.sleep(1)
    raise RuntimeError("server did not come up")


def load_phase(url: str, requests: list[tuple[str, int]], clients: int, seconds: float) -> dict:
    """``clients`` threads post ``requests`` (text, sentences) in turn for ``seconds``; sentences/s."""
    done, sentences, latencies, errors, refused = [0], [0], [], [0], [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(k: int) -> None:
        i = k
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                text, count = requests[i % len(requests)]
                post(url + "/translate", {"q": text, "source": "nb", "target": "en"})
            except urllib.error.HTTPError as error:  # 429: the server is full; a client waits as told
                with lock:
                    (refused if error.code == 429 else errors)[0] += 1
                retry_after = float(error.headers.get("Retry-After") or 1) if error.code == 429 else 0
                time.sleep(max(0.0, min(retry_after, stop_at - time.perf_counter())))
                continue
            except OSError:
                with lock:
                    errors[0] += 1
                continue
            with lock:
                done[0] += 1
                sentences[0] += count
                latencies.append(time.perf_counter() - started)
            i += clients

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"clients": clients, "requests": done[0], "sentences_done": sentences[0], "errors": errors[0],
            "refused_429": refused[0], "s": elapsed,
            "sent_per_s": sentences[0] / elapsed, "p50": statistics.median(latencies) if latencies else None}


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers-python", default="/work/peers-venv/bin/python")
    parser.add_argument("--stop", default="realistic,never", help="Comma-separated bench models: realistic, never.")
    parser.add_argument("--rows", default="article,files,batch,serve")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--batch-rounds", type=int, default=None, help="Rounds for the batch row (default: --rounds).")
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--clients", default="1,16")
    parser.add_argument("--serve-unit", choices=["sentence", "article"], default="sentence",
                        help="What one /translate request sends: one NTREX sentence, or one NTREX article.")
    parser.add_argument("--threads", type=int, default=None, help="Intra-op threads on both sides (default: usable CPUs).")
    parser.add_argument("--beam-size", type=int, default=4)
    parser.add_argument("--work", type=Path, default=BENCH_DIR / "out" / "peers")
    parser.add_argument("--no-repair", action="store_true",
                        help="nb2en without the faithfulness repair (what a model whose outputs pass the checks costs).")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="Also serve from this nb2en source tree (e.g. `git archive` of main before a change), as 'nb2en-baseline'.")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:  # a worker process of this bench (its arguments may look like options)
        kind, *rest = argv[1:]
        if kind == "nb2en":
            nb2en_worker(rest[0], rest[1], int(rest[2]), int(rest[3]), rest[4:] != ["no-repair"])
        elif kind == "argos":
            argos_worker()
        elif kind == "nb2en-serve":
            nb2en_serve_worker(rest[0], rest[1:])
        else:
            libretranslate_worker(int(rest[0]), rest[1])
        return
    args = parser.parse_args(argv)

    sys.path.insert(0, str(BENCH_DIR))
    sys.path.insert(0, str(REPO_ROOT))
    from shapes import bench_model

    from translate.backends.base import default_threads

    threads = args.threads or default_threads()
    args.work = args.work.resolve()
    rows = args.rows.split(",")
    results: dict = {"threads": threads, "beam": args.beam_size, "load_start": loadavg(), "models": {}}
    files = seed_files(args.work / "seed")
    sentences_in_batch = ntrex_articles(args.articles, args.work / "ntrex")
    print(f"threads {threads}, beam {args.beam_size}; batch: {args.articles} NTREX articles, {sentences_in_batch} sentences;"
          f" load {loadavg()}", flush=True)
    for stop in args.stop.split(","):
        model_dir = bench_model(BENCH_DIR / "out" / "models", "base", stop)
        cache_dir = args.work / f"cache-{stop}"
        converted = convert_for_nb2en(model_dir, cache_dir)
        packages = args.work / f"argos-packages-{stop}"
        prepare_package(model_dir, converted, packages)
        home = args.work / "home"
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": str(threads), "HF_HUB_OFFLINE": "1",
               "ARGOS_PACKAGES_DIR": str(packages), "ARGOS_INTRA_THREADS": str(threads),
               "ARGOS_INTER_THREADS": "1", "ARGOS_COMPUTE_TYPE": "int8", "ARGOS_BEAM_SIZE": str(args.beam_size),
               "ARGOS_DEVICE_TYPE": "cpu", "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
               "XDG_CACHE_HOME": str(home / "cache"), "HOME": str(home)}
        out: dict = {"rows": {}}
        results["models"][stop] = out
        print(f"\n== model base-{stop} ({converted})", flush=True)
        if {"article", "files", "batch"} & set(rows):
            ours = Worker([sys.executable, __file__, "--worker", "nb2en", str(model_dir), str(cache_dir), str(threads),
                           str(args.beam_size)] + (["no-repair"] if args.no_repair else []), env)
            peer = Worker([args.peers_python, __file__, "--worker", "argos"], env)
            jobs = []
            if "article" in rows:
                jobs.append(("one article (.txt)", {"op": "file", "path": str(files["txt"]), "out": str(args.work / "o.txt")},
                             {"op": "text", "path": str(files["txt"]), "out": str(args.work / "p.txt")}))
            if "files" in rows:
                for ext in ("docx", "html"):
                    jobs.append((f"one article (.{ext})", {"op": "file", "path": str(files[ext]), "out": str(args.work / f"o.{ext}")},
                                 {"op": "file", "path": str(files[ext]), "out": str(args.work / "peer-out")}))
            if "batch" in rows:
                jobs.append((f"batch of {args.articles} NTREX articles",
                             {"op": "batch", "dir": str(args.work / "ntrex"), "out": str(args.work / "ntrex-out")},
                             {"op": "batch", "dir": str(args.work / "ntrex"), "out": str(args.work / "peer-ntrex-out")}))
            for label, our_job, peer_job in jobs:
                runs = {"nb2en": [], "peer": []}
                rounds = (args.batch_rounds or args.rounds) if our_job["op"] == "batch" else args.rounds
                for round_ in range(rounds):
                    order = [("nb2en", ours, our_job), ("peer", peer, peer_job)]
                    for side, worker, job in order if round_ % 2 == 0 else order[::-1]:
                        runs[side].append({**worker.run(job), "load": os.getloadavg()[0]})
                best = {side: min(r, key=lambda x: x["s"]) for side, r in runs.items()}
                out["rows"][label] = {"runs": runs, "best": best}
                per_token = {side: 1000 * b["s"] / max(b["tokens"], 1) for side, b in best.items()}
                print(f"{label}: nb2en {best['nb2en']['s']:.1f} s ({best['nb2en']['tokens']} tokens, "
                      f"{per_token['nb2en']:.1f} ms/token) | peer {best['peer']['s']:.1f} s ({best['peer']['tokens']} "
                      f"tokens, {per_token['peer']:.1f} ms/token) | peer/nb2en "
                      f"{best['peer']['s'] / best['nb2en']['s']:.2f}; runs {[round(r['s'], 1) for r in runs['nb2en']]} "
                      f"{[round(r['s'], 1) for r in runs['peer']]}; load {loadavg()}", flush=True)
            ours.close()
            peer.close()
        if "serve" in rows:
            out["serve"] = serve_rows(args, model_dir, cache_dir, threads, env, serve_requests(args.serve_unit))
    results["load_end"] = loadavg()
    (args.work / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\nload at end {loadavg()}; all numbers in {args.work / 'results.json'}")


def serve_rows(args, model_dir: Path, cache_dir: Path, threads: int, env: dict, requests: list[tuple[str, int]]) -> dict:
    from socket import socket

    def free_port() -> int:
        with socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    names = ["nb2en", "libretranslate"] + (["nb2en-baseline"] if args.baseline_src else [])
    ports = {name: free_port() for name in names}
    counts_files = {name: args.work / f"counts-{name}.json" for name in names}
    for path in counts_files.values():
        path.unlink(missing_ok=True)

    def nb2en_serve(name: str, src: Path, thread_option: bool) -> subprocess.Popen:
        command = [sys.executable, __file__, "--worker", "nb2en-serve", str(counts_files[name]), "--port",
                   str(ports[name]), "--model", str(model_dir), "--backend", "ctranslate2", "--device", "cpu",
                   "--beam-size", str(args.beam_size), "--cache-dir", str(cache_dir), "--no-cache"]
        if thread_option:
            command += ["--threads", str(threads)]
        return subprocess.Popen(command, env={**env, "PYTHONPATH": str(src)}, cwd=src, stdout=subprocess.DEVNULL)

    def decoded(name: str) -> dict:
        try:
            return json.loads(counts_files[name].read_text())
        except (OSError, ValueError):
            return {"tokens": 0, "calls": 0, "sentences": 0}

    servers = {
        "nb2en": nb2en_serve("nb2en", REPO_ROOT, True),
        "libretranslate": subprocess.Popen([args.peers_python, __file__, "--worker", "libretranslate",
                                            str(ports["libretranslate"]), str(counts_files["libretranslate"])],
                                           env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL),
    }
    if args.baseline_src:  # its threads: every usable CPU, like --threads's default
        servers["nb2en-baseline"] = nb2en_serve("nb2en-baseline", args.baseline_src.resolve(), False)
    phases: dict = {name: {} for name in names}
    try:
        for name, server in servers.items():
            wait_up(f"http://127.0.0.1:{ports[name]}", server)
        for round_ in range(args.rounds):
            for clients in [int(c) for c in args.clients.split(",")]:
                order = names if round_ % 2 == 0 else names[::-1]
                for name in order:
                    before = decoded(name)
                    phase = load_phase(f"http://127.0.0.1:{ports[name]}", requests, clients, args.seconds)
                    phase["load"] = os.getloadavg()[0]
                    after = decoded(name)
                    phase.update({key: after[key] - before[key] for key in after})
                    phases[name].setdefault(clients, []).append(phase)
                    print(f"serve {name} {clients} client(s): {phase['requests']} requests, {phase['sentences_done']} "
                          f"sentences in {phase['s']:.1f} s = "
                          f"{phase['sent_per_s']:.2f}/s, {phase['tokens']} tokens = "
                          f"{1000 * phase['s'] / max(phase['tokens'], 1):.1f} ms/token, "
                          f"{phase['sentences'] / max(phase['calls'], 1):.1f} sentences per model call, p50 {phase['p50']:.2f}, "
                          f"429s {phase['refused_429']} (client waited Retry-After), errors {phase['errors']}, "
                          f"load {loadavg()}", flush=True)
    finally:
        for server in servers.values():
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    return phases


if __name__ == "__main__":
    main()
