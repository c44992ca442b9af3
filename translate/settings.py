"""The one settings object: every option of a run, validated once at the edge.

The CLI builds one ``Settings`` for every command (``serve`` included); everything below
reads it and nothing reads options from anywhere else. It is also the single owner of "what
changes an output": ``sentence_key`` (one cached sentence) and ``fingerprint`` (one batch
output file) are both made here from the same fields, so an option added to one is in the
other.

Speed-only options (window sizes, cache folder, quiet, engine) never go into either.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from translate.errors import UsageError
from translate.models import DEFAULT_SUMMARY_MODEL, DEFAULT_TRANSLATION_MODEL

if TYPE_CHECKING:
    from translate.glossary import Glossary

MAX_BEAM_SIZE = 16
# Bump when the layout of batch outputs or of the batch state journal changes.
FINGERPRINT_VERSION = 1


class Backend(str, Enum):
    auto = "auto"
    ctranslate2 = "ctranslate2"
    transformers = "transformers"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class OutputFormat(str, Enum):
    """``same``: the input's own format (HTML in, HTML out; text for a .txt)."""

    same = "same"
    text = "text"
    markdown = "markdown"
    json = "json"
    xliff = "xliff"


class InputFormat(str, Enum):
    """``--from``: force how the input is read (default: from its content and extension)."""

    txt = "txt"
    html = "html"
    md = "md"
    docx = "docx"
    nitf = "nitf"
    odt = "odt"
    odp = "odp"
    fodt = "fodt"
    fodp = "fodp"
    pptx = "pptx"
    srt = "srt"
    vtt = "vtt"
    pdf = "pdf"


class InlineAlignment(str, Enum):
    """How inline markup (links, bold, DOCX runs) is placed on the English where its words
    are not found verbatim: ``position`` (relative position between anchor words; no model
    needed) or ``attention`` (the translation model's cross-attention)."""

    position = "position"
    attention = "attention"


class SummaryFormat(str, Enum):
    """What ``nb2en summarize`` prints: the summary alone, or the translate JSON with it."""

    text = "text"
    json = "json"


class SummaryStyle(str, Enum):
    short = "short"
    headline = "headline"
    bullets = "bullets"


class Summarizer(str, Enum):
    abstractive = "abstractive"
    extractive = "extractive"


def _choice(enum: type[Enum], value, option: str):
    """``value`` as a member of ``enum``; a usage error (exit 2) listing the choices otherwise."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise UsageError(f"Unknown {option} '{value}'. Choose one of: {choices}.") from None


@dataclass(frozen=True)
class SummarySettings:
    """Every summary option, as the summarizers take them (``Settings.summary_settings``).

    Here, not in ``translate.summarizers``, so the settings never import the summarizers.
    """

    style: str = "short"
    summarizer: str = "abstractive"
    model: str = DEFAULT_SUMMARY_MODEL
    device: str = "auto"
    beam_size: int = 4
    prompts_dir: Path | None = None



@dataclass(frozen=True)
class Settings:
    """Every option that decides what a run produces (plus where its cache lives).

    Strings are accepted for the Enum fields (and checked); invalid values raise
    ``UsageError``. Build it with keyword arguments; change it with ``settings.replace``.
    """

    model: str = DEFAULT_TRANSLATION_MODEL
    backend: Backend = Backend.auto
    device: Device = Device.auto
    beam_size: int = 4
    # CPU threads for the model; None: the CPUs this process may use. Speed only, so it is
    # in no cache key or fingerprint.
    threads: int | None = None
    repair: bool = True
    cache_dir: Path | None = None
    use_cache: bool = True
    input_format: InputFormat | None = None
    output_format: OutputFormat = OutputFormat.text
    inline_alignment: InlineAlignment = InlineAlignment.position
    encoding: str | None = None
    glossary: Path | None = None
    summary: bool = False
    summary_style: SummaryStyle = SummaryStyle.short
    summarizer: Summarizer = Summarizer.abstractive
    summary_model: str = DEFAULT_SUMMARY_MODEL
    # The translation memory (translate.memory): where it lives, and whether to use it.
    memory_dir: Path | None = None
    use_memory: bool = True
    # Input limits (``translate.limits.InputLimits``, or ``NAME=VALUE`` items as
    # ``--input-limit`` gives them; None: the defaults and $NB2EN_INPUT_LIMITS). They decide
    # what is refused, never what an output says, so they are in no key or fingerprint.
    input_limits: object = None
    # Languages sent to the model (translate.language): None = from the model id.
    source_languages: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        from translate import limits

        if not isinstance(self.input_limits, limits.InputLimits):
            set_(self, "input_limits", limits.resolve(self.input_limits))
        set_(self, "model", str(self.model) if self.model else DEFAULT_TRANSLATION_MODEL)
        set_(self, "summary_model", str(self.summary_model) if self.summary_model else DEFAULT_SUMMARY_MODEL)
        set_(self, "backend", _choice(Backend, self.backend, "backend"))
        set_(self, "device", _choice(Device, self.device, "device"))
        set_(self, "output_format", _choice(OutputFormat, self.output_format, "format"))
        if self.input_format is not None:
            set_(self, "input_format", _choice(InputFormat, self.input_format, "input format (--from)"))
        set_(self, "inline_alignment", _choice(InlineAlignment, self.inline_alignment, "inline alignment"))
        set_(self, "summary_style", _choice(SummaryStyle, self.summary_style, "summary style"))
        set_(self, "summarizer", _choice(Summarizer, self.summarizer, "summarizer"))
        if not isinstance(self.beam_size, int) or not 1 <= self.beam_size <= MAX_BEAM_SIZE:
            raise UsageError(f"Beam size must be a whole number from 1 to {MAX_BEAM_SIZE}, not {self.beam_size!r}.")
        if self.source_languages is not None:
            from translate.language import parse_source_languages

            set_(self, "source_languages", parse_source_languages(self.source_languages))
        if self.threads is not None and (not isinstance(self.threads, int) or not 1 <= self.threads <= 1024):
            raise UsageError(f"Threads must be a whole number from 1 to 1024, not {self.threads!r}.")
        if self.cache_dir is not None:
            set_(self, "cache_dir", Path(self.cache_dir))
        if self.memory_dir is not None:
            set_(self, "memory_dir", Path(self.memory_dir))
        if self.glossary is not None:
            set_(self, "glossary", Path(self.glossary))
            self.glossary_table  # loaded and checked here, at the edge: a bad file is exit 2 before any work
        if self.encoding:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise UsageError(
                    f"Unknown encoding '{self.encoding}' given to --encoding. "
                    "Pass a Python codec name such as latin-1 or cp1252."
                ) from None

    def replace(self, **changes) -> "Settings":
        """A copy with ``changes``. The glossary loaded and checked at the edge is carried
        over, never read again (the file may have changed or gone since)."""
        if "glossary" in changes or self.glossary is None:
            return replace(self, **changes)
        table = self.glossary_table
        changed = replace(self, glossary=None, **changes)
        object.__setattr__(changed, "glossary", self.glossary)
        changed.__dict__["glossary_table"] = table  # the cached_property's slot
        return changed

    # ------------------------------------------------------------------ what changes an output

    @cached_property
    def glossary_table(self) -> "Glossary":
        """The glossary, loaded and checked once (``GlossaryError``, exit 2, ``FILE:LINE: ...``);
        an empty one without ``--glossary``."""
        from translate.glossary import EMPTY, load_glossary

        return load_glossary(self.glossary) if self.glossary is not None else EMPTY

    @property
    def routed_languages(self) -> tuple[str, ...]:
        """The sentence languages that go to the model: ``--source-languages``, else the
        model's (nb, nn; plus da, sv for a North Germanic model such as the default)."""
        from translate.language import default_source_languages

        return self.source_languages or default_source_languages(self.model)

    def routing_fields(self) -> dict:
        """What decides which sentences pass through: the router's version, the source languages."""
        from translate.language import ROUTING_VERSION

        return {"routing": ROUTING_VERSION, "source_languages": list(self.routed_languages)}

    def translation_fields(self, backend_identity: dict) -> dict:
        """What changes every sentence's translation: model identity (id, revision, backend,
        compute type, decoding), segmenter, faithfulness code, repair. The glossary is not
        here: it changes only the sentences that contain one of its terms (``sentence_key``)."""
        from translate import faithful, segment

        return {
            "model": backend_identity,
            "segmenter": segment.SEGMENTER_VERSION,
            "faithful": faithful.FAITHFUL_VERSION,
            "repair": self.repair,
        }

    def sentence_key(self, text: str, backend_identity: dict, extra: dict | None = None) -> str:
        """Cache key of one sentence; ``extra`` is a hook for more output-changing inputs.

        A sentence with protected text (a URL, an address, a handle, a hashtag, a glossary
        term) also keys on the protection code's version and on the glossary entries it
        contains, and on nothing else of the glossary: adding a term retranslates only the
        sentences that contain it; a sentence without any keeps the key it always had.
        """
        from translate.cache import make_key
        from translate.spans import cache_key_part

        payload = {"text": text, **self.translation_fields(backend_identity)}
        protection = cache_key_part(text, self.glossary_table)
        if protection is not None:
            payload["protected"] = protection
        if extra:
            payload["extra"] = extra
        return make_key("sentence", payload)

    def fingerprint(self, backend_identity: dict, summary_identity: dict | None = None) -> str:
        """Hash of everything that changes a batch output file (not what only changes speed).

        ``summary_identity`` is the summarizer's ``identity()`` (model revision, prompt
        hashes) when one is built; else the summary options as given (None without ``summary``).
        """
        from translate.cache import make_key

        return make_key(
            "batch-output",
            {
                "state": FINGERPRINT_VERSION,
                **self.translation_fields(backend_identity),
                # The whole glossary: a changed glossary redoes every output, but through the
                # sentence cache, so only sentences containing a changed term see the model.
                **self.protection_fields(),
                **self.routing_fields(),
                "input_format": self.input_format.value if self.input_format is not None else None,
                "format": self.output_format.value,
                # Only where it is not the default, so fingerprints made without it still hold.
                **({"inline_alignment": self.inline_alignment.value} if self.inline_alignment is not InlineAlignment.position else {}),
                "encoding": self.encoding,
                "summary": summary_identity if summary_identity is not None else self.summary_fields(),
                # Only without the memory: with it, what it changed is tracked per file
                # (``memory_fields``), like a glossary term per sentence.
                **({} if self.use_memory else {"memory": False}),
            },
        )

    @property
    def shows_suggestions(self) -> bool:
        """Whether the output shows near misses from the memory (JSON, XLIFF); others skip the lookup."""
        return self.use_memory and self.output_format in (OutputFormat.json, OutputFormat.xliff)

    def memory_fields(self, generation: int, path: str | None) -> dict:
        """What a batch state line records of the memory: the generation its output saw, and which memory.

        A rerun redoes an output only if one of its sentences was added to or changed in the
        memory after that generation (``translate.batch.plan.MemoryCheck``); without the memory, nothing.
        """
        return {"memory": generation, "memory_path": path} if self.use_memory else {}

    def protection_fields(self) -> dict:
        """Protected spans' code version and the glossary's identity, for the batch fingerprint."""
        from translate.spans import SPANS_VERSION

        fields_ = {"spans": SPANS_VERSION}
        if self.glossary is not None:
            fields_["glossary"] = self.glossary_table.identity
        return fields_

    def summary_fields(self) -> dict | None:
        """The summary options as given (a fallback when no summarizer identity is at hand)."""
        if not self.summary:
            return None
        fields_ = {"summarizer": self.summarizer.value, "style": self.summary_style.value}
        if self.summarizer is Summarizer.abstractive:
            fields_["model"] = self.summary_model
        return fields_

    def summary_settings(self) -> SummarySettings:
        """The summarizer's own settings object."""
        return SummarySettings(
            style=self.summary_style.value,
            summarizer=self.summarizer.value,
            model=self.summary_model,
            device=self.device.value,
        )

