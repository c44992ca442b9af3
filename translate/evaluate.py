"""``nb2en eval``: score translations of line-aligned parallel text with sacrebleu.

SRC and REF are line-aligned files (the FLORES-200 / NTREX layout: one segment a line).
A *system* is one column of English for those lines: either given (``--hyp``, scored with
no model at all) or translated here through the normal pipeline (cache, faithfulness
rules), each source line as one unit whose English is one line. Scores are sacrebleu's
own corpus BLEU, chrF, chrF++ and TER with their signatures; two systems are compared with
sacrebleu's paired bootstrap test. COMET is added only when unbabel-comet (in its own
environment: it pins transformers<5) and a COMET model are already on this machine:
evaluation never downloads anything.

Nothing heavy is imported at module import time; scoring given hypotheses imports neither
torch, transformers nor ctranslate2.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable

from translate.errors import InputError

DEFAULT_COMET_MODEL = "Unbabel/wmt22-comet-da"
DEFAULT_BOOTSTRAP_SAMPLES = 1000
# Source lines handed to the translator at once (their sentences share model batches).
LINES_PER_WINDOW = 256
# Our metric names (the JSON keys) in report order, with sacrebleu's display names.
METRICS = ("bleu", "chrf", "chrf++", "ter")
METRIC_LABELS = {"bleu": "BLEU", "chrf": "chrF", "chrf++": "chrF++", "ter": "TER"}
HIGHER_IS_BETTER = {"bleu": True, "chrf": True, "chrf++": True, "ter": False}


class ReportFormat(str, Enum):
    """What ``nb2en eval`` prints: a table for people or the JSON report."""

    text = "text"
    json = "json"


# ---------------------------------------------------------------------------- input


def read_lines(path: str | Path, encoding: str | None = None, role: str = "file") -> list[str]:
    """The lines of a line-aligned file (UTF-8 unless ``encoding``); trailing blank lines dropped.

    A missing, binary, undecodable or empty file is an ``InputError`` (exit 2).
    """
    from translate.io import read_source

    source = read_source(path, encoding or "utf-8")
    lines = source.text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise InputError(f"The {role} file {path} is empty. Pass a file with one segment a line.")
    return lines


def check_aligned(counts: dict[str, int]) -> None:
    """All files must have the same number of lines; say which differ."""
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{label} has {count}" for label, count in counts.items())
        raise InputError(
            f"The files are not line-aligned: {listed} lines. Each line of SRC must match the same "
            "line of REF (and of every hypothesis file)."
        )


# ---------------------------------------------------------------------------- systems


@dataclass
class System:
    """One column of English for the source lines, and where it came from."""

    label: str
    hypotheses: list[str]
    flags: list[list[str]]
    options: str = ""
    model: dict | None = None
    cache: dict | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def flagged_lines(self) -> int:
        """Lines with a faithfulness flag (a sentence passed through untranslated is no flag)."""
        from translate.pipeline import FLAG_PASSTHROUGH

        return sum(1 for flags in self.flags if any(flag != FLAG_PASSTHROUGH for flag in flags))


def given_system(label: str, sources: list[str], hypotheses: list[str], options: str = "") -> System:
    """English supplied by the user, flagged like the pipeline flags its own: ``number-missing:N``
    for each source number missing from it (no model)."""
    from translate.faithful import FLAG_NUMBER_MISSING, missing_numbers

    flags = [
        [f"{FLAG_NUMBER_MISSING}:{number}" for number in missing_numbers(src, hyp)]
        for src, hyp in zip(sources, hypotheses)
    ]
    return System(label, list(hypotheses), flags, options=options)


def line_block(line: str):
    """One source line as one block, segmented into sentences as the pipeline does.

    A line is never re-split into several blocks, and a line that the article parser would
    take for a metadata line is still translated (in parallel text every line is content).
    """
    from translate.article import PARAGRAPH, Block, parse_plain_text, text_block

    text = line.strip()
    if not text:
        return Block(PARAGRAPH, "")
    blocks = parse_plain_text(text).blocks
    return blocks[0] if len(blocks) == 1 else text_block(PARAGRAPH, text)


def translate_lines(
    label: str,
    sources: list[str],
    translator,
    options: str = "",
    progress: Callable[[int, int], None] | None = None,
    window_lines: int = LINES_PER_WINDOW,
) -> System:
    """Translate every line as one unit through ``translator`` (cache first, shared batches).

    Lines go to the translator in windows of ``window_lines`` (their sentences batched
    together, results cached as each window finishes); ``progress(done, total)`` after each.
    """
    import time

    started = time.perf_counter()
    blocks = [line_block(line) for line in sources]
    hits = misses = remembered = 0
    for start in range(0, len(blocks), window_lines):
        window = blocks[start : start + window_lines]
        counts = translator.translate_sentences([s for block in window for s in block.sentences])
        hits, misses, remembered = hits + counts.hits, misses + counts.misses, remembered + counts.memory
        if progress is not None:
            progress(start + len(window), len(blocks))
    hypotheses, flags = [], []
    for block in blocks:
        english = block.target if block.sentences else ""
        hypotheses.append(" ".join((english or "").split("\n")).strip())
        seen: list[str] = []
        for sentence in block.sentences:
            seen.extend(flag for flag in sentence.flags if flag not in seen)
        flags.append(seen)
    return System(
        label,
        hypotheses,
        flags,
        options=options,
        model=translator.model_info(),
        cache={"hits": hits, "misses": misses},
        seconds=round(time.perf_counter() - started, 3),
        warnings=translator.take_warnings() + (
            [f"{label}: {remembered} sentence(s) came from the translation memory (a person's English, not the "
             "model's); pass --no-memory to score the model alone."]
            if remembered else []
        ),
    )


# ---------------------------------------------------------------------------- scores


def make_metrics() -> dict:
    """Fresh sacrebleu metric objects with their default (signature-documented) settings."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    return {"bleu": BLEU(), "chrf": CHRF(), "chrf++": CHRF(word_order=2), "ter": TER()}


@dataclass
class Scores:
    """Corpus scores exactly as sacrebleu reports them (0-100) and their signatures."""

    values: dict[str, float]
    signature: dict[str, str]
    bleu_info: dict

    def as_dict(self) -> dict:
        return dict(self.values)


def corpus_scores(hypotheses: list[str], references: list[str]) -> Scores:
    values, signature, bleu_info = {}, {}, {}
    for name, metric in make_metrics().items():
        score = metric.corpus_score(hypotheses, [references])
        values[name] = score.score
        signature[name] = metric.get_signature().format()
        if name == "bleu":
            bleu_info = {
                "precisions": [round(p, 4) for p in score.precisions],
                "bp": round(score.bp, 4),
                "sys_len": score.sys_len,
                "ref_len": score.ref_len,
            }
    return Scores(values, signature, bleu_info)


def sentence_chrf(hypotheses: list[str], references: list[str]) -> list[float]:
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    return [metric.sentence_score(hyp, [ref]).score for hyp, ref in zip(hypotheses, references)]


def paired_bootstrap(
    baseline: list[str], candidate: list[str], references: list[str], samples: int = DEFAULT_BOOTSTRAP_SAMPLES
) -> dict:
    """sacrebleu's paired bootstrap resampling test (as ``sacrebleu --paired-bs``) of B against A.

    The seed is sacrebleu's (``$SACREBLEU_SEED``, default 12345), so runs are repeatable.
    """
    from sacrebleu.significance import PairedTest

    test = PairedTest(
        [("A", baseline), ("B", candidate)], make_metrics(), [references], test_type="bs", n_samples=samples
    )
    signatures, results = test()
    sacrebleu_names = [name for name in results if name != "System"]
    metrics = {}
    for ours, theirs in zip(METRICS, sacrebleu_names):
        a, b = results[theirs]
        metrics[ours] = {
            "a": {"score": a.score, "mean": _float(a.mean), "ci95": _float(a.ci)},
            "b": {"score": b.score, "mean": _float(b.mean), "ci95": _float(b.ci)},
            "p_value": _float(b.p_value),
        }
    return {
        "test": "paired bootstrap resampling",
        "samples": test.n_samples,
        "seed": os.environ.get("SACREBLEU_SEED", "12345"),
        "metrics": metrics,
        "signature": {ours: signatures[theirs].format() for ours, theirs in zip(METRICS, sacrebleu_names)},
    }


def _float(value) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------------------- COMET


def comet_unavailable(reason: str) -> dict:
    return {"available": False, "reason": reason}


def locate_comet_checkpoint(model: str) -> tuple[Path | None, str]:
    """The local ``model.ckpt`` for a COMET model path or hub id, or (None, why not)."""
    candidate = Path(model).expanduser()
    if candidate.is_file():
        return candidate, ""
    if candidate.is_dir():
        checkpoint = candidate / "checkpoints" / "model.ckpt"
        if checkpoint.is_file():
            return checkpoint, ""
        return None, f"{candidate} has no checkpoints/model.ckpt; pass a COMET model folder or its .ckpt file"
    if model.startswith((".", "/", "~")) or model.count("/") != 1:
        return None, f"no COMET model at {model}"
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(model, local_files_only=True))
    except Exception:  # noqa: BLE001 - every flavour of "not in the local cache" means the same here
        return None, (
            f"COMET model {model} is not in the local Hugging Face cache; fetch it ahead of time with "
            f"`hf download {model}` (and `hf download FacebookAI/xlm-roberta-large`), or pass --comet-model DIR"
        )
    checkpoint = folder / "checkpoints" / "model.ckpt"
    if not checkpoint.is_file():
        return None, f"the cached COMET model {model} has no checkpoints/model.ckpt; download it again"
    return checkpoint, ""


# Run by ``--comet-python``: the interpreter of a separate environment with unbabel-comet,
# which cannot live beside nb2en (every release pins transformers<5 and huggingface-hub<1).
# Reads one JSON request on stdin, prints one JSON line of system scores.
COMET_RUNNER = """
import json, sys
from comet import load_from_checkpoint
request = json.load(sys.stdin)
scorer = load_from_checkpoint(request["checkpoint"])
scores = []
for hypotheses in request["systems"]:
    data = [{"src": s, "mt": h, "ref": r} for s, h, r in zip(request["sources"], hypotheses, request["references"])]
    output = scorer.predict(data, batch_size=request["batch_size"], gpus=request["gpus"], progress_bar=False)
    scores.append(float(output.system_score))
print(json.dumps({"scores": scores}))
"""


def comet_scores(
    sources: list[str],
    systems: list[list[str]],
    references: list[str],
    model: str | None = None,
    device: str = "auto",
    batch_size: int = 16,
    python: str | None = None,
) -> dict:
    """COMET system scores (one per system) when unbabel-comet and the model are local.

    unbabel-comet runs in a child process with the Hub switched offline: ``python`` (the
    interpreter of a separate environment) when given, else this interpreter if comet is
    importable here. Otherwise, or when the model is not on this machine,
    ``{"available": false, "reason": ...}``: never a download, never a raise.
    """
    import sys

    model = model or DEFAULT_COMET_MODEL
    if python is None and importlib.util.find_spec("comet") is not None:
        python = sys.executable
    if python is None:
        return comet_unavailable(
            "unbabel-comet is not installed here, and it cannot share nb2en's environment (it pins "
            "transformers<5); install it in a separate virtualenv and pass its interpreter with --comet-python"
        )
    checkpoint, why_not = locate_comet_checkpoint(model)
    if checkpoint is None:
        return comet_unavailable(why_not)
    if device == "auto":
        from translate.devices import cuda_available

        device = "cuda" if cuda_available() else "cpu"
    request = {
        "checkpoint": str(checkpoint),
        "systems": systems,
        "sources": sources,
        "references": references,
        "batch_size": batch_size,
        "gpus": 1 if device == "cuda" else 0,
    }
    try:
        scores = run_comet(python, request)
    except CometRunError as error:  # COMET is optional: report why, keep the BLEU/chrF report
        return comet_unavailable(
            f"COMET could not run offline ({error}); check that {model} and xlm-roberta-large are in the "
            "local Hugging Face cache and that --comet-python has unbabel-comet"
        )
    return {"available": True, "model": model, "checkpoint": str(checkpoint), "scores": scores}


class CometRunError(RuntimeError):
    """The COMET interpreter failed; the message is the end of its stderr."""


def run_comet(python: str, request: dict) -> list[float]:
    """Run ``COMET_RUNNER`` in ``python`` with the Hub offline; the system scores it prints."""
    import subprocess

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    try:
        done = subprocess.run(
            [python, "-c", COMET_RUNNER], input=json.dumps(request), capture_output=True, text=True, env=env
        )
    except OSError as error:
        raise CometRunError(f"cannot run {python}: {error.strerror or error}") from None
    if done.returncode != 0:
        last = [line for line in done.stderr.strip().splitlines() if line.strip()][-1:] or [f"exit code {done.returncode}"]
        raise CometRunError(f"{python} failed: {last[0]}")
    try:
        return [float(score) for score in json.loads(done.stdout.strip().splitlines()[-1])["scores"]]
    except (ValueError, KeyError, IndexError, TypeError):
        raise CometRunError(f"{python} printed no scores") from None


# ---------------------------------------------------------------------------- report


@dataclass
class EvalReport:
    """Everything ``nb2en eval`` shows: scores of system A, optionally B and their test."""

    sources: list[str]
    references: list[str]
    system: System
    scores: Scores
    comet: dict
    compare: System | None = None
    compare_scores: Scores | None = None
    significance: dict | None = None

    @property
    def warnings(self) -> list[str]:
        return self.system.warnings + (self.compare.warnings if self.compare else [])

    def to_dict(self) -> dict:
        comet = dict(self.comet)
        if comet.get("available"):
            comet = {key: value for key, value in comet.items() if key != "scores"}
            comet["score"] = self.comet["scores"][0]
        data = {
            **self.scores.as_dict(),
            "sentences": len(self.sources),
            "signature": self.scores.signature,
            "bleu_info": self.scores.bleu_info,
            "model": self.system.model,
            "hypotheses": "translated" if self.system.model else "given",
            "cache": self.system.cache,
            "flagged_lines": self.system.flagged_lines,
            "comet": comet,
            "compare": None,
        }
        if self.compare is not None and self.compare_scores is not None:
            data["compare"] = {
                "a": self._system_dict(self.system, self.scores, 0),
                "b": self._system_dict(self.compare, self.compare_scores, 1),
                "paired_bootstrap": self.significance,
            }
        return data

    def _system_dict(self, system: System, scores: Scores, position: int) -> dict:
        comet = self.comet["scores"][position] if self.comet.get("available") else None
        return {
            "label": system.label,
            "options": system.options,
            **scores.as_dict(),
            "comet": comet,
            "model": system.model,
            "hypotheses": "translated" if system.model else "given",
            "flagged_lines": system.flagged_lines,
        }

    def details(self) -> list[dict]:
        """One row per segment, worst sentence-level chrF first (ties in input order)."""
        chrf = sentence_chrf(self.system.hypotheses, self.references)
        compare_chrf = sentence_chrf(self.compare.hypotheses, self.references) if self.compare else None
        rows = []
        for index, (source, reference) in enumerate(zip(self.sources, self.references)):
            row = {
                "index": index,
                "line": index + 1,
                "chrf": round(chrf[index], 4),
                "source": source,
                "hypothesis": self.system.hypotheses[index],
                "reference": reference,
                "flags": self.system.flags[index],
            }
            if self.compare is not None:
                row["compare"] = {
                    "chrf": round(compare_chrf[index], 4),
                    "hypothesis": self.compare.hypotheses[index],
                    "flags": self.compare.flags[index],
                }
            rows.append(row)
        rows.sort(key=lambda row: (row["chrf"], row["index"]))
        return rows

    def render_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def render_text(self) -> str:
        lines = [f"segments: {len(self.sources)}"]
        systems = [(self.system, self.scores)]
        if self.compare is not None and self.compare_scores is not None:
            systems.append((self.compare, self.compare_scores))
        for system, _ in systems:
            lines.append(f"{system.label}: {describe(system)}")
        header = f"{'':<4}" + "".join(f"{METRIC_LABELS[name]:>9}" for name in METRICS)
        if self.comet.get("available"):
            header += f"{'COMET':>9}"
        lines.append(header)
        for position, (system, scores) in enumerate(systems):
            row = f"{system.label:<4}" + "".join(f"{scores.values[name]:>9.2f}" for name in METRICS)
            if self.comet.get("available"):
                row += f"{self.comet['scores'][position]:>9.4f}"
            lines.append(row)
        if self.significance is not None:
            metrics = self.significance["metrics"]
            p_values = "  ".join(f"{METRIC_LABELS[name]} {metrics[name]['p_value']:.4f}" for name in METRICS)
            lines.append(
                f"paired bootstrap, B vs A ({self.significance['samples']} resamples, seed "
                f"{self.significance['seed']}): p-value {p_values}"
            )
            lines.append(significance_sentence(metrics))
        if not self.comet.get("available"):
            lines.append(f"COMET: not available ({self.comet['reason']})")
        flagged = self.system.flagged_lines
        if flagged:
            lines.append(f"lines with faithfulness flags ({self.system.label}): {flagged} (see --details)")
        lines.append("signatures:")
        lines.extend(f"  {METRIC_LABELS[name]:<7}{self.scores.signature[name]}" for name in METRICS)
        return "\n".join(lines) + "\n"


def describe(system: System) -> str:
    """One line saying what a system is: its options and the model it used, or 'given'."""
    parts = [system.options] if system.options else []
    if system.model:
        model = system.model
        parts.append(
            f"{model.get('id')} ({model.get('backend')}, {model.get('compute_type')}, beam {model.get('beam_size')}, "
            f"{model.get('device')})"
        )
    else:
        parts.append("given hypotheses")
    return "; ".join(parts)


def significance_sentence(metrics: dict, level: float = 0.05) -> str:
    """Plain words for the test: which system is better on BLEU and chrF, and whether it is significant."""
    words = []
    for name in ("bleu", "chrf"):
        result = metrics[name]
        a, b = result["a"]["score"], result["b"]["score"]
        if a == b:
            words.append(f"{METRIC_LABELS[name]}: equal")
            continue
        better = "B" if (b > a) == HIGHER_IS_BETTER[name] else "A"
        significant = "significant" if result["p_value"] is not None and result["p_value"] < level else "not significant"
        words.append(f"{METRIC_LABELS[name]}: {better} better by {abs(b - a):.2f}, {significant} at p < {level}")
    return "; ".join(words)


def evaluate(
    sources: list[str],
    references: list[str],
    system: System,
    compare: System | None = None,
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
    comet: bool = True,
    comet_model: str | None = None,
    comet_device: str = "auto",
    comet_python: str | None = None,
) -> EvalReport:
    """Score ``system`` (and ``compare`` against it) on line-aligned ``references``."""
    check_aligned(
        {"SRC": len(sources), "REF": len(references), system.label: len(system.hypotheses)}
        | ({compare.label: len(compare.hypotheses)} if compare else {})
    )
    report = EvalReport(sources, references, system, corpus_scores(system.hypotheses, references), {})
    if compare is not None:
        report.compare = compare
        report.compare_scores = corpus_scores(compare.hypotheses, references)
        report.significance = paired_bootstrap(system.hypotheses, compare.hypotheses, references, bootstrap_samples)
    if comet:
        columns = [system.hypotheses] + ([compare.hypotheses] if compare else [])
        report.comet = comet_scores(sources, columns, references, comet_model, comet_device, python=comet_python)
    else:
        report.comet = comet_unavailable("skipped (--no-comet)")
    return report


def write_lines(path: Path, lines: list[str]) -> None:
    """Write one segment a line, atomically (hypothesis files, details)."""
    from translate.io import write_atomic

    write_atomic(Path(path), "".join(line + "\n" for line in lines))


def write_details(path: Path, report: EvalReport) -> None:
    write_lines(path, [json.dumps(row, ensure_ascii=False) for row in report.details()])
