"""Translation backends, measured in one run: transformers fp32 vs CTranslate2 float32/int8.

    python bench/bench_translate.py            # base and big shapes

Builds random-weight Marian models with the real transformer-base and transformer-big
shapes (``bench/shapes.py``; built once into ``--work`` and reused) and converts them to
CTranslate2 (excluded from every timing). Then, each configuration in its own process:

1. Backend throughput: ``backend.generate`` (length-sorted, token-packed batches, no
   faithfulness repair) on the first sentences of the seed article, output length fixed at
   1.2 x source tokens (a realistic translation length; the random models never stop by
   themselves): sentences/s and target tokens/s for transformers fp32, CT2 float32 and
   CT2 int8 at beam 1 and beam 4, model load time and peak RSS.
2. CLI end to end: ``nb2en translate ARTICLE --no-cache --backend X --beam-size 4`` as a
   subprocess, the model already converted: wall and CPU time, peak RSS (``os.wait4``).
3. Time to first output: a cold ``nb2en translate`` of a one-sentence article, from process
   start until its translation arrives on stdout (start-up, imports, model load, decode).
4. Pipeline overhead (base, CT2 int8, beam 4): ``translate_article`` + ``render`` in process,
   with ``Settings(repair=False)`` and no cache, vs raw
   ``ctranslate2.Translator.translate_batch`` on the same sentences, tokenized beforehand,
   in the same batches with the same per-batch length caps. Model loaded in both.

The random models never emit ``</s>`` (bench/shapes.py), so in the CLI every output runs
into the product's length cap (1.5 x source tokens + 10) and the faithfulness repair
retranslates it in halves, then quarters: about three times the decoding of a real model,
the same on both backends (the JSON flags show it). Seconds per article are therefore
pessimistic; ratios between configurations measured in the same run are the point.

Timings on a shared machine are noisy. Before each timed process the script waits (up to
``--quiet-wait`` s) for other processes to go quiet, and every row reports ``other load``:
how many cores other processes used meanwhile (0 = the machine to ourselves). CLI timings
alternate backends and keep the best of ``--repeats``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

SEED_ARTICLE = REPO_ROOT / "seeds" / "ntb-2017-11-albu-kamal.txt"
BACKEND_CONFIGS = [("transformers", "float32"), ("ctranslate2", "float32"), ("ctranslate2", "int8")]
CLI_COMPUTE = {"transformers": "float32", "ctranslate2": "int8"}
# Under the 6 words the repair needs, so this times start-up, model load and one decode.
FIRST_OUTPUT_TEXT = "Motangrep i Albu Kamal."
THROUGHPUT_LENGTH_RATIO = 1.2
QUIET_WAIT_S = 0.0
NOISY_CORES = 0.2


# ---------------------------------------------------------------------- measuring


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["HF_HUB_OFFLINE"] = "1"
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def machine_busy_s() -> float:
    """CPU-seconds all processes on this machine have used (from /proc/stat; 0 elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_quiet(max_wait: float, threshold: float = 0.25) -> None:
    """Wait (at most ``max_wait`` s) until other processes use under ``threshold`` cores."""
    deadline = time.monotonic() + max_wait
    quiet_samples = 0
    while time.monotonic() < deadline and quiet_samples < 2:
        before = machine_busy_s()
        time.sleep(1.0)
        quiet_samples = quiet_samples + 1 if machine_busy_s() - before < threshold else 0


def run_measured(cmd: list[str], *, first_byte: bool = False, quiet: bool = True, retries: int = 2) -> dict:
    """Run ``cmd``; return wall and CPU seconds, the child's peak RSS (MiB) and its stdout.

    Peak RSS comes from ``os.wait4`` on that one child. With ``first_byte`` the time until
    the first byte arrives on stdout is recorded too. ``other_cores``: cores other
    processes kept busy meanwhile (machine CPU time minus the child's, per second). A run
    that shared the machine (over NOISY_CORES) is repeated, at most ``retries`` times.
    """
    for attempt in range(retries + 1):
        if quiet:
            wait_quiet(QUIET_WAIT_S)
        result = _run_once(cmd, first_byte)
        result["retried"] = attempt
        if not quiet or result["other_cores"] <= NOISY_CORES:
            break
    return result


def _run_once(cmd: list[str], first_byte: bool) -> dict:
    with tempfile.TemporaryFile() as err:
        busy_before = machine_busy_s()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=_env(), cwd=REPO_ROOT)
        first = None
        chunks = []
        if first_byte:
            chunks.append(proc.stdout.read(1))
            first = time.perf_counter() - started
        chunks.append(proc.stdout.read())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        busy = machine_busy_s() - busy_before
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "first_output_s": first,
        "other_cores": max(0.0, busy - cpu) / wall,
        "stdout": b"".join(chunks).decode(),
    }


def worker(*args: str, quiet: bool = True) -> dict:
    """Run this script in worker mode in a fresh process; return its JSON result."""
    result = run_measured([sys.executable, str(Path(__file__).resolve()), "--worker", *args], quiet=quiet)
    data = json.loads(result["stdout"].strip().splitlines()[-1])
    data.update(peak_rss_mib=result["peak_rss_mib"], other_cores=result["other_cores"])
    return data


def cli_translate(article: Path, model_dir: Path, backend: str, beam: int, cache_dir: Path) -> dict:
    cmd = [
        sys.executable, "-m", "translate", "translate", str(article), "--model", str(model_dir),
        "--backend", backend, "--device", "cpu", "--beam-size", str(beam), "--no-cache",
        "--cache-dir", str(cache_dir), "--format", "json",
    ]
    result = run_measured(cmd, first_byte=True)
    data = json.loads(result.pop("stdout"))
    assert data["model"]["backend"] == backend, data["model"]
    sentences = [s for b in data["blocks"] for s in b["sentences"] if "passthrough" not in s["flags"]]
    flagged = sum(1 for s in sentences if any(f in ("length-cap", "repetition") for f in s["flags"]))
    return {**result, "timings": data["timings"], "sentences": len(sentences), "flagged": flagged}


HEAVY_MODULES = ("torch", "transformers", "ctranslate2")


def heavy_imports(*args: str) -> tuple[list[str], str]:
    """Top-level heavy packages ``python -X importtime -m translate ARGS`` imports, and its stdout."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "translate", *args],
                          capture_output=True, text=True, env=_env(), cwd=REPO_ROOT)
    if done.returncode != 0:
        raise SystemExit(f"nb2en {' '.join(args)} failed: {done.stderr[-2000:]}")
    names = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in done.stderr.splitlines()
             if line.startswith("import time:") and line.count("|") == 2}
    return sorted(names & set(HEAVY_MODULES)), done.stdout


def startup_checks(model_dir: Path, cache_dir: Path, article: Path) -> dict:
    """`nb2en --help` time and imports; a fully cached translation's time and imports."""
    runs = [run_measured([sys.executable, "-m", "translate", "--help"], quiet=(i == 0)) for i in range(7)]
    walls = sorted(r["wall_s"] for r in runs)
    help_heavy, _ = heavy_imports("--help")
    baseline = min(run_measured([sys.executable, "-c", "pass"], quiet=False)["wall_s"] for _ in range(5))
    for stale in cache_dir.glob("nb2en.sqlite3*"):  # start from an empty sentence cache
        stale.unlink()
    cached_cmd = ["translate", str(article), "--model", str(model_dir), "--device", "cpu",
                  "--cache-dir", str(cache_dir), "--format", "json"]
    filled = run_measured([sys.executable, "-m", "translate", *cached_cmd])
    cached = min((run_measured([sys.executable, "-m", "translate", *cached_cmd]) for _ in range(3)),
                 key=lambda r: r["wall_s"])
    cached_heavy, stdout = heavy_imports(*cached_cmd)
    data = json.loads(stdout)
    return {
        "help_best_s": walls[0], "help_median_s": walls[len(walls) // 2], "help_heavy": help_heavy,
        "python_startup_s": baseline,
        "fill_s": filled["wall_s"], "cached_s": cached["wall_s"], "cached_heavy": cached_heavy,
        "cached_cache": data["cache"], "cached_backend": data["model"]["backend"],
    }


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def article_sentences(path: Path, limit: int | None = None) -> list[str]:
    """The unique sentences the pipeline sends to a model, in article order."""
    from translate.io import read_source
    from translate.pipeline import prepare_article

    article = prepare_article(read_source(str(path), None)).article
    texts = list(dict.fromkeys(s.source for s in article.sentences() if s.translate))
    return texts[:limit] if limit else texts


def write_excerpt(path: Path, blocks: int) -> Path:
    """The seed article's metadata line and first ``blocks`` blocks (-1: all of it)."""
    parts = SEED_ARTICLE.read_text(encoding="utf-8").strip().split("\n\n")
    path.write_text("\n\n".join(parts[: blocks + 1] if blocks >= 0 else parts) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------- workers


def make_backend(model_dir: str, backend: str, compute_type: str, decoding, cache_dir: str):
    from translate.backends import BackendChoice, create_backend
    from translate.models import resolve_model

    choice = BackendChoice(backend, "cpu", compute_type, "bench")
    return create_backend(resolve_model(model_dir), choice, decoding, Path(cache_dir))


def worker_prepare(shape: str, model_dir: str, cache_dir: str) -> dict:
    """Build the random model (once) and its CTranslate2 copies (once each)."""
    sys.path.insert(0, str(BENCH_DIR))
    from shapes import build_random_marian

    from translate.backends import DecodingSettings

    marker = Path(model_dir) / ".complete"
    built = 0.0
    if not marker.exists():
        started = time.perf_counter()
        build_random_marian(Path(model_dir), shape, stop="never")  # fixed output lengths: the cap decides them
        marker.write_text("ok")
        built = time.perf_counter() - started
    converted = {}
    for compute_type in ("float32", "int8"):
        started = time.perf_counter()
        backend = make_backend(model_dir, "ctranslate2", compute_type, DecodingSettings(), cache_dir)
        backend.ensure_converted()
        converted[compute_type] = round(time.perf_counter() - started, 1)
    return {"built_s": round(built, 1), "converted_s": converted}


def worker_throughput(model_dir: str, backend: str, compute_type: str, beam: int, cache_dir: str, limit: int) -> dict:
    from translate.backends import DecodingSettings

    texts = article_sentences(SEED_ARTICLE, limit)
    decoding = DecodingSettings(beam_size=beam, length_ratio=THROUGHPUT_LENGTH_RATIO, length_extra=0)
    b = make_backend(model_dir, backend, compute_type, decoding, cache_dir)
    started = time.perf_counter()
    b.ensure_loaded()
    load_s = time.perf_counter() - started
    b.generate(["Dette er en kort setning."])  # warm-up: allocators, thread pools
    started = time.perf_counter()
    generations = b.generate(texts)
    seconds = time.perf_counter() - started
    tokens = sum(g.tokens for g in generations)
    return {
        "sentences": len(texts),
        "source_tokens": sum(b.count_tokens(texts)),
        "target_tokens": tokens,
        "seconds": seconds,
        "load_s": load_s,
        "sentences_per_s": len(texts) / seconds,
        "tokens_per_s": tokens / seconds,
    }


def worker_overhead(model_dir: str, cache_dir: str, beam: int, repeats: int, article: str, warm_article: str) -> dict:
    """In process: the whole pipeline (repair off) vs raw translate_batch, same batches and caps."""
    from translate.io import read_source
    from translate.pipeline import Translator, translate_article
    from translate.settings import Settings
    from translate.render import render

    settings = Settings(
        model=model_dir, backend="ctranslate2", device="cpu", beam_size=beam,
        cache_dir=Path(cache_dir), use_cache=False, repair=False,
    )
    translator = Translator(settings)
    backend = translator.backend
    backend.ensure_loaded()
    texts = article_sentences(Path(article))

    # Raw: the same sentences, tokenized beforehand, in the batches and caps generate() uses.
    lengths = backend.count_tokens(texts)
    caps = [backend.decoding.max_new_tokens(n, backend.max_output_tokens) for n in lengths]
    order = sorted(range(len(texts)), key=lambda i: lengths[i], reverse=True)
    batches = backend._pack(order, lengths)
    tokenized = [backend.source_sp.encode(t, out_type=str) + ["</s>"] for t in texts]
    raw_batches = [([tokenized[i] for i in batch], max(caps[i] for i in batch)) for batch in batches]

    def raw() -> int:
        produced = 0
        for tokens, cap in raw_batches:
            for result in backend.translator.translate_batch(tokens, beam_size=beam, max_decoding_length=cap):
                produced += len(result.hypotheses[0])
        return produced

    def pipeline(path: str = article) -> str:
        return render(translate_article(read_source(path, None), translator), "json")

    backend.translator.translate_batch(raw_batches[-1][0], beam_size=beam, max_decoding_length=8)  # warm-up
    pipeline(warm_article)
    raw_runs: list[float] = []
    pipeline_runs: list[float] = []
    produced = 0
    for i in range(2 * repeats):  # A B B A ...: both see the same machine, neither always goes first
        for which in ("raw", "pipeline") if i % 2 == 0 else ("pipeline", "raw"):
            started = time.perf_counter()
            if which == "raw":
                produced = raw()
                raw_runs.append(time.perf_counter() - started)
            else:
                pipeline()
                pipeline_runs.append(time.perf_counter() - started)
    return {"sentences": len(texts), "batches": len(batches), "target_tokens": produced,
            "raw_s": raw_runs, "pipeline_s": pipeline_runs}


def worker_main(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "prepare":
        result = worker_prepare(*rest)
    elif kind == "throughput":
        model_dir, backend, compute_type, beam, cache_dir, limit = rest
        result = worker_throughput(model_dir, backend, compute_type, int(beam), cache_dir, int(limit))
    elif kind == "overhead":
        model_dir, cache_dir, beam, repeats, article, warm_article = rest
        result = worker_overhead(model_dir, cache_dir, int(beam), int(repeats), article, warm_article)
    else:
        raise SystemExit(f"unknown worker {kind}")
    print(json.dumps(result))


# ---------------------------------------------------------------------- main


def fmt(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


def per_shape(spec: str) -> dict[str, int]:
    """"base=4,big=2" -> {"base": 4, "big": 2}; "all" means the whole article (-1)."""
    pairs = (item.split("=") for item in spec.split(",") if item)
    return {name: -1 if value == "all" else int(value) for name, value in pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=BENCH_DIR / "out" / "translate",
                        help="Models, converted copies and results (reused between runs).")
    parser.add_argument("--shapes", default="base,big", help="Comma-separated: base, big.")
    parser.add_argument("--sentences", default="base=4,big=2", help="Seed-article sentences for throughput.")
    parser.add_argument("--cli-blocks", default="base=all,big=0",
                        help="Blocks of the seed article for the CLI comparison per shape "
                             "(all: the whole article; 0: only the one-sentence run).")
    parser.add_argument("--overhead-blocks", type=int, default=6, help="Blocks of the seed article for the overhead check.")
    parser.add_argument("--repeats", type=int, default=2, help="Alternating repeats of each CLI timing (best kept).")
    parser.add_argument("--quiet-wait", type=float, default=60.0,
                        help="Before each timed process, wait up to this many s for other processes to go quiet.")
    parser.add_argument("--worker", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker)
        return

    global QUIET_WAIT_S
    QUIET_WAIT_S = args.quiet_wait
    work = args.work.resolve()
    cache_dir = work / "cache"
    work.mkdir(parents=True, exist_ok=True)
    sentences, cli_blocks = per_shape(args.sentences), per_shape(args.cli_blocks)
    started = time.perf_counter()
    versions = subprocess.run(
        [sys.executable, "-c", "import ctranslate2, torch, transformers; print(f'ctranslate2 "
         "{ctranslate2.__version__}, torch {torch.__version__}, transformers {transformers.__version__}')"],
        capture_output=True, text=True, env=_env(),
    ).stdout.strip()
    print(f"# nb2en translation backends benchmark ({time.strftime('%Y-%m-%d %H:%M')})\n")
    print(f"- command: `{' '.join(['python bench/bench_translate.py', *sys.argv[1:]])}`")
    print(f"- {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {versions}; load average at start {loadavg()}")
    one_sentence = work / "one-sentence.txt"
    one_sentence.write_text(FIRST_OUTPUT_TEXT + "\n", encoding="utf-8")
    results: dict = {"argv": sys.argv[1:], "shapes": {}}

    for shape in [s for s in args.shapes.split(",") if s]:
        model_dir = work / f"random-{shape}"
        prep = worker("prepare", shape, str(model_dir), str(cache_dir), quiet=False)
        made = (f"built in {prep['built_s']} s, CT2 conversion "
                + ", ".join(f"{k} {v} s" for k, v in prep["converted_s"].items()))
        if not prep["built_s"] and max(prep["converted_s"].values()) < 1:
            made = "model and CT2 copies reused from an earlier run"
        print(f"\n## {shape} shape (random weights; {made}, never timed)")
        out: dict = {"prepare": prep, "throughput": {}}

        # 1. Backend throughput.
        print(f"\nBackend throughput, `generate` on {sentences.get(shape, 4)} seed sentences, "
              f"output {THROUGHPUT_LENGTH_RATIO} x source tokens, no repair:\n")
        print("| backend | compute | beam | sentences | target tokens | s | sentences/s | target tokens/s "
              "| load s | peak RSS MiB | other load |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for beam in (1, 4):
            for backend, compute_type in BACKEND_CONFIGS:
                r = worker("throughput", str(model_dir), backend, compute_type, str(beam), str(cache_dir),
                           str(sentences.get(shape, 4)))
                out["throughput"][f"{backend}/{compute_type}/beam{beam}"] = r
                print(f"| {backend} | {compute_type} | {beam} | {r['sentences']} | {r['target_tokens']} | "
                      f"{fmt(r['seconds'])} | {fmt(r['sentences_per_s'])} | {fmt(r['tokens_per_s'], 1)} | "
                      f"{fmt(r['load_s'])} | {fmt(r['peak_rss_mib'], 0)} | {fmt(r['other_cores'])} |")
        t = out["throughput"]
        print()
        for beam in (1, 4):
            ref = t[f"transformers/float32/beam{beam}"]["tokens_per_s"]
            print(f"- beam {beam}, target tokens/s vs transformers fp32: CT2 float32 "
                  f"{fmt(t[f'ctranslate2/float32/beam{beam}']['tokens_per_s'] / ref)}x, CT2 int8 "
                  f"{fmt(t[f'ctranslate2/int8/beam{beam}']['tokens_per_s'] / ref)}x")

        # 2 and 3. CLI end to end, and time to first output (one-sentence article).
        articles = [("one sentence", one_sentence)]
        if cli_blocks.get(shape):
            label = "whole seed article" if cli_blocks[shape] < 0 else f"first {cli_blocks[shape]} blocks"
            articles.insert(0, (label, write_excerpt(work / f"article-{shape}.txt", cli_blocks[shape])))
        out["cli"] = {}
        for label, article in articles:
            runs: dict[str, list[dict]] = {"ctranslate2": [], "transformers": []}
            for _ in range(args.repeats):
                for backend in runs:
                    runs[backend].append(cli_translate(article, model_dir, backend, 4, cache_dir))
            best = {backend: min(r, key=lambda x: x["wall_s"]) for backend, r in runs.items()}
            peak = {backend: max(x["peak_rss_mib"] for x in r) for backend, r in runs.items()}
            n = best["ctranslate2"]["sentences"]
            print(f"\nCLI `nb2en translate {article.name} --no-cache --beam-size 4` ({label}, {n} sentence(s); "
                  f"best of {args.repeats}, backends alternating):\n")
            print("| backend | compute | wall s (all runs) | first output s | CPU s | model load s | translate s "
                  "| peak RSS MiB | flagged length-cap or repetition | other load |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            for backend in ("transformers", "ctranslate2"):
                b = best[backend]
                print(f"| {backend} | {CLI_COMPUTE[backend]} | {fmt(b['wall_s'])} "
                      f"({', '.join(fmt(x['wall_s'], 1) for x in runs[backend])}) | {fmt(b['first_output_s'])} | "
                      f"{fmt(b['cpu_s'], 1)} | {fmt(b['timings']['model_load_s'])} | {fmt(b['timings']['translate_s'])} | "
                      f"{fmt(peak[backend], 0)} | {b['flagged']}/{b['sentences']} | {fmt(b['other_cores'])} |")
            speedup = best["transformers"]["wall_s"] / best["ctranslate2"]["wall_s"]
            cpu_ratio = best["transformers"]["cpu_s"] / best["ctranslate2"]["cpu_s"]
            rss_ratio = peak["ctranslate2"] / peak["transformers"]
            translate_ratio = best["transformers"]["timings"]["translate_s"] / best["ctranslate2"]["timings"]["translate_s"]
            print(f"\n- ctranslate2 int8 vs transformers fp32: {fmt(speedup)}x faster end to end "
                  f"({fmt(cpu_ratio)}x less CPU time; translate step alone {fmt(translate_ratio)}x); "
                  f"peak RSS ratio {fmt(rss_ratio)}")
            out["cli"][label] = {"runs": runs, "speedup": speedup, "cpu_ratio": cpu_ratio, "rss_ratio": rss_ratio,
                                 "translate_ratio": translate_ratio}

        # 4. Pipeline overhead vs raw translate_batch.
        if shape == "base":
            article = write_excerpt(work / "article-overhead.txt", args.overhead_blocks)
            o = worker("overhead", str(model_dir), str(cache_dir), "4", str(args.repeats), str(article), str(one_sentence))
            raw, pipe = min(o["raw_s"]), min(o["pipeline_s"])
            o["overhead_pct"] = (pipe / raw - 1) * 100
            out["overhead"] = o
            print(f"\nPipeline overhead, CT2 int8 beam 4, {article.name}: {o['sentences']} sentences in "
                  f"{o['batches']} batch(es), {o['target_tokens']} target tokens, `Settings(repair=False)`, "
                  f"no cache, best of {len(o['raw_s'])}, order A B B A:\n")
            print(f"- raw `translate_batch` {fmt(raw)} s ({', '.join(fmt(x) for x in o['raw_s'])}); "
                  f"`translate_article` + `render` {fmt(pipe)} s ({', '.join(fmt(x) for x in o['pipeline_s'])}); "
                  f"overhead {fmt(o['overhead_pct'], 1)} %")
        # 5. Start-up: --help, and a fully cached translation (default backend: auto).
        if shape == "base":
            st = startup_checks(model_dir, cache_dir, write_excerpt(work / "article-cached.txt", 3))
            out["startup"] = st
            print(f"\nStart-up (python itself: {fmt(st['python_startup_s'])} s to run `pass`):\n")
            print(f"- `nb2en --help`: {fmt(st['help_best_s'])} s best, {fmt(st['help_median_s'])} s median of 7; "
                  f"imports of torch/transformers/ctranslate2: {', '.join(st['help_heavy']) or 'none'}")
            print(f"- `nb2en translate` of 3 blocks of the seed article, fully cached ({st['cached_cache']['hits']} hits, "
                  f"{st['cached_cache']['misses']} misses; backend {st['cached_backend']}): {fmt(st['cached_s'])} s "
                  f"(filling the cache: {fmt(st['fill_s'])} s); imports of torch/transformers/ctranslate2: "
                  f"{', '.join(st['cached_heavy']) or 'none'}")
        results["shapes"][shape] = out

    (work / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(f"\nload average at end {loadavg()}; total {fmt(time.perf_counter() - started, 0)} s; "
          f"all numbers in {work / 'results.json'}")


if __name__ == "__main__":
    main()
