"""Finding models on disk: hub ids in the Hugging Face cache, or local directories.

Nothing here downloads except ``download_model``, which only ``nb2en models download``
calls: a translation never reaches the network in the middle of its work.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from translate.errors import ModelLoadError, ModelNotAvailableOffline, UsageError

DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-tc-big-gmq-en"
LIGHT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-gmq-en"
DEFAULT_SUMMARY_MODEL = "google/flan-t5-large"
KNOWN_MODELS = {
    DEFAULT_TRANSLATION_MODEL: "translation (default): Marian transformer-big, North Germanic -> English",
    LIGHT_TRANSLATION_MODEL: "translation (light): Marian transformer-base, North Germanic -> English",
    DEFAULT_SUMMARY_MODEL: "summary (default): FLAN-T5 large",
}
_SMALL_FILE_BYTES = 16 * 1024 * 1024
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


def resolve_model(model: str) -> ModelRef:
    """Locate ``model`` (a directory or a hub id) without touching the network."""
    candidate = Path(model).expanduser()
    if candidate.is_dir():
        resolved = candidate.resolve()
        return ModelRef(str(resolved), resolved, "local:" + fingerprint_directory(resolved))
    if _looks_like_path(model):
        raise UsageError(f"No model directory at {model}. Pass an existing directory or a hub model id.")
    from huggingface_hub import snapshot_download

    try:
        path = Path(snapshot_download(model, local_files_only=True))
    except Exception:  # noqa: BLE001 - every flavour of "not in the local cache" means the same to the user
        raise ModelNotAvailableOffline(model) from None
    if not (path / "config.json").exists():
        raise ModelNotAvailableOffline(model)
    return ModelRef(model, path, path.name)


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or model.count("/") != 1


def fingerprint_directory(path: Path) -> str:
    """A short hash of a model directory: contents of small files, size and mtime of big ones.

    Hashing gigabytes of weights on every run would cost more than a cached translation,
    so weight files are identified by size and modification time.
    """
    digest = hashlib.sha256()
    for item in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        stat = item.stat()
        digest.update(item.name.encode())
        if stat.st_size <= _SMALL_FILE_BYTES:
            digest.update(item.read_bytes())
        else:
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def read_config(ref: ModelRef) -> dict:
    try:
        return json.loads((ref.path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"Model {ref.id} has no readable config.json ({error}). Download it again.") from None


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
