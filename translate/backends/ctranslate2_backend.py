"""Fast backend: the Marian model converted once to CTranslate2 (int8 on CPU).

Tokenizes with sentencepiece directly (``source.spm`` / ``target.spm``, ``</s>`` appended),
so after the one-time conversion a run imports neither torch nor transformers. The
converted copy lives in the cache directory under a name made of the model id, its
revision and the stored weight type; a second run (or a second process) reuses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from translate.backends.base import (  # noqa: F401 (usable_cpu_count re-exported)
    TranslationBackend,
    default_threads,
    passive_openmp_waits,
    usable_cpu_count,
)
from translate.errors import ModelLoadError
from translate.models import input_token_limit

EOS = "</s>"
# Pieces MarianTokenizer drops with skip_special_tokens=True; CT2 never returns </s> itself.
_SPECIAL_PIECES = frozenset({EOS, "<unk>", "<pad>"})
_SPM_SPACE = "\u2581"
_COMPLETE_MARKER = "model.bin"


def conversion_quantization(compute_type: str) -> str:
    """The weight type to store on disk for a compute type (CT2 converts the rest at load).

    ``int8`` and ``int8_float16`` (CUDA) share one int8 copy; ``float16`` and ``float32``
    are stored as such.
    """
    return "int8" if compute_type.startswith("int8") else compute_type


def converted_model_dir(cache_root: Path, model_id: str, revision: str, quantization: str) -> Path:
    """Where the converted copy of a model revision lives inside the cache directory."""
    tag = hashlib.sha256(f"{model_id}\n{revision}".encode()).hexdigest()[:16]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", model_id.strip("/").replace("/", "--"))[-60:]
    return Path(cache_root) / "ct2" / f"{readable}-{tag}-{quantization}"


def missing_spm_files(model_dir: Path) -> list[str]:
    """The sentencepiece files CTranslate2 tokenization needs that ``model_dir`` lacks."""
    return [name for name in ("source.spm", "target.spm") if not (Path(model_dir) / name).is_file()]


def can_run(model_dir: Path) -> str | None:
    """None when this backend can translate with the model in ``model_dir``; else why not."""
    missing = missing_spm_files(model_dir)
    if missing:
        return f"the model has no {' or '.join(missing)}"
    try:
        config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "the model has no readable config.json"
    if config.get("model_type") != "marian":
        return f"the model is not a Marian model (model_type {config.get('model_type')!r})"
    return None


class CTranslate2Backend(TranslationBackend):
    name = "ctranslate2"
    # CTranslate2 stops at the limit without forcing an end token, and greedy search picks
    # each token from the prefix alone: cutting a longer output back to a cap is exact.
    truncates_exactly = True
    # CPU: measured on 2 cores with the transformer-base shape at beam 4, batches of 32
    # sentences decode only ~8% more tokens per CPU-second than batches of 16 but need
    # ~40% more memory (decoder caches grow with sentences x beams x length).
    max_batch_tokens = 1024
    max_batch_size = 16

    def load(self) -> None:
        self._require_spm()
        passive_openmp_waits()
        import ctranslate2
        import sentencepiece

        self.source_sp = sentencepiece.SentencePieceProcessor(model_file=str(self.model.path / "source.spm"))
        self.target_sp = sentencepiece.SentencePieceProcessor(model_file=str(self.model.path / "target.spm"))
        converted = self.ensure_converted()
        if self.device == "cuda":
            # Padded GPU batches are cheap; bigger ones keep the device busy.
            self.max_batch_tokens, self.max_batch_size = 8192, 128
            threads = {"device_index": 0, "intra_threads": 1}
        else:
            threads = {"intra_threads": self.cpu_threads or default_threads()}
        self.intra_threads = threads["intra_threads"]  # what the translator got (reported, tested)
        try:
            self.translator = ctranslate2.Translator(
                str(converted), device=self.device, compute_type=self.compute_type, inter_threads=1, **threads
            )
        except (RuntimeError, ValueError, OSError) as error:
            raise ModelLoadError(
                f"CTranslate2 could not load {self.model.id} on {self.device} with {self.compute_type} "
                f"({_one_line(error)}). Try --device cpu or --backend transformers; "
                "`nb2en cache clear --models` removes converted copies."
            ) from None
        self.max_input_tokens = self.max_output_tokens = input_token_limit(self.model.path)

    def _require_spm(self) -> None:
        missing = missing_spm_files(self.model.path)
        if missing:
            raise ModelLoadError(
                f"{self.model.id} has no {' or '.join(missing)}, so CTranslate2 cannot tokenize it. "
                "Use --backend transformers."
            )

    def ensure_converted(self) -> Path:
        """Convert the model into the cache directory once; reuse it afterwards.

        Race-safe: the conversion is written to a private staging folder and renamed into
        place, so a reader never sees a half-written copy; a lock file makes a second
        process wait for the first one's conversion instead of repeating it.
        """
        from translate.cache import resolve_cache_dir

        self._require_spm()
        passive_openmp_waits()
        quantization = conversion_quantization(self.compute_type)
        target = converted_model_dir(resolve_cache_dir(self.cache_dir), self.model.id, self.model.revision, quantization)
        if (target / _COMPLETE_MARKER).is_file():
            return target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with _exclusive_lock(target.parent / f".{target.name}.lock"):
                if (target / _COMPLETE_MARKER).is_file():  # converted by another process while we waited
                    return target
                self._convert_into(target, quantization)
        except ModelLoadError:
            raise
        except OSError as error:
            raise ModelLoadError(
                f"Could not write the CTranslate2 copy of {self.model.id} to {target.parent} ({_one_line(error)}). "
                "Pass a writable --cache-dir, or use --backend transformers."
            ) from None
        return target

    def _convert_into(self, target: Path, quantization: str) -> None:
        if target.exists():  # an incomplete leftover (no model.bin): replace it
            shutil.rmtree(target, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
        try:
            try:
                from ctranslate2.converters import TransformersConverter

                from translate.backends.transformers_backend import quiet_transformers

                quiet_transformers()
                converter = TransformersConverter(str(self.model.path))
                converter.convert(str(staging / "model"), quantization=quantization, force=True)
            except Exception as error:  # noqa: BLE001 - every conversion failure means "use the other backend"
                raise ModelLoadError(
                    f"Could not convert {self.model.id} to CTranslate2 ({type(error).__name__}: {_one_line(error)}). "
                    "Use --backend transformers."
                ) from None
            try:
                os.replace(staging / "model", target)
            except OSError:
                if not (target / _COMPLETE_MARKER).is_file():  # not a lost race with another writer
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def count_tokens(self, texts: list[str]) -> list[int]:
        self.ensure_loaded()
        return [len(ids) + 1 for ids in self.source_sp.encode(texts)]

    def _generate(self, texts: list[str], max_new_tokens: int, caps: list[int] | None = None) -> list[tuple[str, int]]:
        batch = [pieces + [EOS] for pieces in self.source_sp.encode(texts, out_type=str)]
        results = self.translator.translate_batch(
            batch,
            beam_size=self.decoding.beam_size,
            max_decoding_length=max_new_tokens,
            return_scores=False,
        )
        caps = caps or [max_new_tokens] * len(texts)
        return [self._detokenize(result.hypotheses[0][:cap]) for result, cap in zip(results, caps)]

    def _hypotheses(self, text: str, count: int, max_new_tokens: int) -> list[str]:
        pieces = self.source_sp.encode([text], out_type=str)[0] + [EOS]
        result = self.translator.translate_batch(
            [pieces],
            beam_size=max(self.decoding.beam_size, count),
            num_hypotheses=count,
            max_decoding_length=max_new_tokens,
            return_scores=False,
        )[0]
        return [self._detokenize(hypothesis)[0] for hypothesis in result.hypotheses]

    def _detokenize(self, pieces: list[str]) -> tuple[str, int]:
        """Pieces to text like MarianTokenizer: specials dropped, stray ``▁`` made spaces.

        Marian's vocabulary joins source and target pieces, so a model can emit a piece
        that target.spm does not know; sentencepiece leaves its ``▁`` in the text.
        """
        kept = [piece for piece in pieces if piece not in _SPECIAL_PIECES]
        text = self.target_sp.decode_pieces(kept).replace(_SPM_SPACE, " ")
        return text.strip(), len(pieces)


@contextlib.contextmanager
def _exclusive_lock(path: Path):
    """Hold an exclusive advisory lock on ``path`` (POSIX); a no-op where fcntl is missing."""
    try:
        import fcntl
    except ImportError:  # Windows: the atomic rename alone keeps readers safe
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _one_line(error: BaseException, limit: int = 300) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."

