"""Finding models on disk: hub ids in the Hugging Face cache, or local directories.

Nothing here downloads except ``download_model``, which only ``nb2en models download``
calls: a translation never reaches the network in the middle of its work.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from translate.errors import (
    ModelCorruptError,
    ModelLoadError,
    ModelNotAvailableOffline,
    ModelNotFoundError,
    NotATranslationModelError,
    UsageError,
)

DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-tc-big-gmq-en"
LIGHT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-gmq-en"
DEFAULT_SUMMARY_MODEL = "google/flan-t5-large"
KNOWN_MODELS = {
    DEFAULT_TRANSLATION_MODEL: "translation (default): Marian transformer-big, North Germanic -> English",
    LIGHT_TRANSLATION_MODEL: "translation (light): Marian transformer-base, North Germanic -> English",
    DEFAULT_SUMMARY_MODEL: "summary (default): FLAN-T5 large",
}
_WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")
# Where models state how many input tokens they take (file, fields), across architectures.
_LIMIT_FIELDS = (
    ("config.json", ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length")),
    ("tokenizer_config.json", ("model_max_length",)),
)
_DOWNLOAD_PATTERNS = ["*.json", "*.spm", "*.model", "*.txt", "*.safetensors", "*.jinja"]


@dataclass(frozen=True)
class ModelRef:
    """A model located on disk. ``revision`` changes whenever the files do."""

    id: str
    path: Path
    revision: str

    @property
    def is_local_dir(self) -> bool:
        return self.revision.startswith("local:")


def resolve_model(model: str, cache_dir: str | Path | None = None) -> ModelRef:
    """Locate ``model`` (a directory or a hub id) without touching the network.

    Three failures, three messages: a hub id that is not in the local Hugging Face cache
    (``ModelNotAvailableOffline``), a path or folder with no model (``ModelNotFoundError``),
    and model files that are there but incomplete or unreadable (``ModelCorruptError``).
    ``cache_dir`` is where the weight-hash memo lives (default: the default cache folder).
    """
    candidate = Path(model).expanduser()
    if candidate.is_dir():
        resolved = candidate.resolve()
        check_model_files(resolved, str(model))
        return ModelRef(str(resolved), resolved, "local:" + fingerprint_directory(resolved, cache_dir))
    if candidate.exists():
        raise ModelNotFoundError(f"{model} is a file, not a model folder. Pass the folder that holds config.json.")
    if _looks_like_path(model):
        raise ModelNotFoundError(f"No model directory at {model}. Pass an existing directory or a hub model id.")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError, OfflineModeIsEnabled

    try:
        path = Path(snapshot_download(model, local_files_only=True))
    except HFValidationError:
        raise ModelNotFoundError(
            f"'{model}' is neither a folder nor a valid hub model id. Pass a local model folder or an id like "
            f"{DEFAULT_TRANSLATION_MODEL}."
        ) from None
    except (LocalEntryNotFoundError, OfflineModeIsEnabled, FileNotFoundError):
        raise ModelNotAvailableOffline(model) from None
    except OSError as error:
        raise ModelCorruptError(
            f"Model {model} is in the local Hugging Face cache but cannot be read ({error.strerror or error}). "
            f"Check the cache's permissions, or run `nb2en models download {model}` again."
        ) from None
    check_model_files(path, model, hub_id=model)
    return ModelRef(model, path, path.name)


def check_model_files(path: Path, label: str, hub_id: str | None = None) -> None:
    """Refuse a folder without a readable config.json or without weights, in one sentence."""
    again = (
        f"Run `nb2en models download {hub_id}` again."
        if hub_id
        else "Copy the whole model folder again (config.json, weights, tokenizer files)."
    )
    config = path / "config.json"
    if not config.is_file():
        if hub_id:
            raise ModelCorruptError(f"Model {label} is incompletely downloaded: it has no config.json. {again}")
        if not any(path.iterdir()):
            raise ModelNotFoundError(
                f"The model folder {label} is empty. Pass a folder with a downloaded model, or a hub model id."
            )
        raise ModelNotFoundError(
            f"{label} holds no model: there is no config.json in it. Pass the folder of a downloaded model."
        )
    try:
        json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelCorruptError(f"Model {label} has a damaged config.json ({_one_line(error)}). {again}") from None
    if not any(next(path.glob(pattern), None) for pattern in _WEIGHT_PATTERNS):
        raise ModelCorruptError(f"Model {label} has no weights (no *.safetensors or pytorch_model.bin). {again}")


def require_marian(ref: ModelRef) -> None:
    """Translation models are Marian models; say what this one is instead (before any load)."""
    config = read_config(ref)
    model_type = config.get("model_type")
    architectures = config.get("architectures") or []
    if model_type == "marian" or "MarianMTModel" in architectures:
        return
    what = model_type or "unknown type"
    if architectures:
        what += f", {'/'.join(map(str, architectures))}"
    raise NotATranslationModelError(
        f"{ref.id} is not a Marian translation model (it is {what}); --model needs a Marian model "
        f"(model_type 'marian', MarianMTModel) such as {DEFAULT_TRANSLATION_MODEL}. "
        "Summary models go to --summary-model."
    )


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or model.count("/") != 1


def fingerprint_directory(path: Path, cache_dir: str | Path | None = None) -> str:
    """A short hash of a model directory from the names and contents of its files.

    Size and mtime are not enough (``cp -p``, ``rsync -a`` and tar keep both), so every
    file is identified by its content. Big weight files are hashed once: their hash is
    remembered by (path, inode, size, mtime_ns, ctime_ns) in a sidecar in the cache folder,
    and any write to the file changes its ctime, which no copy can set back.
    """
    memo = _HashMemo(cache_dir)
    digest = hashlib.sha256()
    for item in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        digest.update(item.name.encode() + b"\0")
        digest.update(memo.file_hash(item).encode())
    memo.save()
    return digest.hexdigest()[:16]


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _HashMemo:
    """Content hashes of big files, keyed by what any change to the file changes."""

    FILE_NAME = "model-file-hashes.json"
    MIN_BYTES = 1024 * 1024  # smaller files are cheaper to hash than to look up

    def __init__(self, cache_dir: str | Path | None):
        from translate.cache import resolve_cache_dir

        self.path = resolve_cache_dir(cache_dir) / self.FILE_NAME
        self.entries: dict[str, str] = {}
        self.changed = False
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.entries = {k: v for k, v in loaded.items() if isinstance(v, str)}
        except (OSError, ValueError):
            pass  # no memo yet, or a damaged one: hash again and rewrite it

    def file_hash(self, item: Path) -> str:
        stat = item.stat()
        if stat.st_size < self.MIN_BYTES:
            return _hash_file(item)
        key = f"{item.resolve()}|{stat.st_dev}:{stat.st_ino}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}"
        if key not in self.entries:
            self.entries[key] = _hash_file(item)
            self.changed = True
        return self.entries[key]

    def save(self) -> None:
        """Write the memo atomically; a cache folder we may not write just means hashing again."""
        if not self.changed:
            return
        import os
        import tempfile

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.FILE_NAME}.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.entries, handle, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError:
            return  # read-only cache: the identity is right either way, it only costs a re-hash


def _one_line(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_config(ref: ModelRef) -> dict:
    try:
        return json.loads((ref.path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelCorruptError(
            f"Model {ref.id} has no readable config.json ({_one_line(error)}). Download it again."
        ) from None


def input_token_limit(model_dir: Path, default: int = 512) -> int:
    """The model's input limit: the smallest of its position table and its tokenizer's limit.

    opus-mt tc-big models have 1024 positions but were trained on (and tokenize for) 512.
    """
    limits = []
    for name, fields in _LIMIT_FIELDS:
        try:
            values = json.loads((model_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for field in fields:
            value = values.get(field)
            if isinstance(value, (int, float)) and 0 < value < 1_000_000:
                limits.append(int(value))
    return min(limits) if limits else default


def download_model(model_id: str) -> Path:
    """Fetch a hub model's inference files into the Hugging Face cache (network needed)."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.utils import logging as hub_logging

    hub_logging.set_verbosity_error()  # its retry warnings would bury our one-line error
    try:
        files = HfApi().list_repo_files(model_id)
        patterns = list(_DOWNLOAD_PATTERNS)
        if not any(f.endswith(".safetensors") for f in files):
            patterns.append("pytorch_model.bin")
        return Path(snapshot_download(model_id, allow_patterns=patterns))
    except Exception as error:  # noqa: BLE001 - network, auth and 404 all end the same way here
        raise ModelLoadError(
            f"Could not download {model_id}: {type(error).__name__}: {error}. "
            "Check the model id and your internet connection."
        ) from None


def cached_location(model_id: str) -> Path | None:
    """Where a hub model lies in the local cache, or None."""
    try:
        return resolve_model(model_id).path
    except (ModelLoadError, UsageError):
        return None
