"""The translation backend contract: one method to implement, batching done here.

A backend implements ``load``, ``count_tokens`` and ``_generate`` for one batch; the base
class sorts by length, packs batches by token count, caps output length in proportion to
each input and reports which outputs ran into that cap. Faithfulness checks on top of
that live in ``translate.faithful`` so every backend gets the same ones.
"""

from __future__ import annotations

import math
import os
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

from translate.models import ModelRef


def usable_cpu_count() -> int:
    """CPUs this process may run on: affinity mask and cgroup CPU quota respected."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:  # cgroup v2 quota, e.g. "200000 100000" = 2 CPUs (containers, CI runners)
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, count)


def default_threads() -> int:
    """Model threads when neither --threads nor NB2EN_THREADS says: one per usable CPU."""
    return usable_cpu_count()


def passive_openmp_waits() -> None:
    """Let idle OpenMP threads sleep instead of spin (unless the user set OMP_WAIT_POLICY).

    CTranslate2 and torch run their threads with OpenMP (libgomp), which spins while it
    waits for work. On a machine other processes already load, the spinning threads take
    the cores the working ones need: measured (bench/RESULTS.md, "Threads under load") the
    seed article took 43 s with 2 spinning threads, 48 s with 1 thread and 32 s with 2
    passive ones. Must run before the library is first imported (libgomp reads it then).
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@dataclass(frozen=True)
class DecodingSettings:
    """Everything about decoding that changes the output (so it goes into cache keys)."""

    beam_size: int = 4
    length_ratio: float = 1.5
    length_extra: int = 10
    # Caps are rounded up to a multiple of this, so that texts of similar length share a cap
    # and can share a batch (a batch decodes to one length limit; see ``generate``).
    cap_step: int = 8
    # Under beam search a batch never mixes caps (cutting a longer beam search back to a
    # shorter cap is not exact), so a first pass rounds caps up to the next rung of this
    # ladder: news sentences of 15 to 78 source tokens all get 128, so sentences of varied
    # lengths fill one batch (the rarer longer ones climb in doubles). A model stops at
    # ``</s>``, so a higher cap costs nothing until it is reached, and an output that reaches
    # it is repaired: the repair's pieces get tight caps (``tight``: steps of 8), so a looping
    # output is cut short there.
    beam_cap_ladder: tuple[int, ...] = (32, 128, 256, 512)

    def max_new_tokens(self, source_tokens: int, ceiling: int, tight: bool = False) -> int:
        cap = math.ceil(self.length_ratio * source_tokens + self.length_extra)
        rung = next((rung for rung in self.beam_cap_ladder if rung >= cap), None)
        if self.beam_size > 1 and not tight and rung is not None:
            cap = rung
        else:
            cap = -(-cap // self.cap_step) * self.cap_step
        return max(1, min(ceiling, cap))

    def identity(self) -> dict:
        """The fields that change outputs; greedy keys stay as they were before the ladder."""
        fields = asdict(self)
        if self.beam_size == 1:
            del fields["beam_cap_ladder"]
        else:
            fields["beam_cap_ladder"] = list(self.beam_cap_ladder)
        return fields


@dataclass
class Generation:
    """One model output and whether it ran into its length cap."""

    text: str
    tokens: int
    hit_cap: bool


class TranslationBackend(ABC):
    """Translate lists of sentences with one model on one device."""

    name: ClassVar[str]
    max_batch_tokens: int = 4096
    max_batch_size: int = 64
    # CPU threads for the model; None: ``default_threads()``. A Ray actor sets its own share
    # (--cpus-per-actor) so that actors on one node do not oversubscribe it. Speed only:
    # not part of ``identity``.
    cpu_threads: int | None = None

    def __init__(
        self,
        model: ModelRef,
        *,
        device: str = "cpu",
        compute_type: str = "float32",
        decoding: DecodingSettings | None = None,
        cache_dir=None,
    ):
        self.model = model
        self.device = device
        self.compute_type = compute_type
        self.decoding = decoding or DecodingSettings()
        self.cache_dir = cache_dir
        self.max_input_tokens = 512
        self.max_output_tokens = 512
        self._loaded = False

    def identity(self) -> dict:
        """What distinguishes this backend's output from another's (for cache keys and JSON)."""
        return {
            "id": self.model.id,
            "revision": self.model.revision,
            "backend": self.name,
            "compute_type": self.compute_type,
            **self.decoding.identity(),
        }

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.load()
            self._loaded = True

    @abstractmethod
    def load(self) -> None:
        """Import heavy libraries and load the model; set max_input/output_tokens."""

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]:
        """Source-side token counts, end-of-sentence token included."""

    # Whether a greedy output decoded under a higher length limit, cut back to a lower
    # one, is exactly the output decoded under the lower limit (no end token forced at
    # the limit). Then ``generate`` lets greedy batches mix caps and ``_generate`` cuts
    # each output to its own cap (``caps``).
    truncates_exactly = False

    @abstractmethod
    def _generate(self, texts: list[str], max_new_tokens: int, caps: list[int] | None = None) -> list[tuple[str, int]]:
        """Translate one batch; return (text, number of generated tokens) per input.

        With ``caps`` (only where ``truncates_exactly``), cut output k to ``caps[k]`` tokens.
        """

    def hypotheses(self, text: str, count: int) -> list[str]:
        """The ``count`` best translations of one text from beam search, best first (the
        server's ``alternatives``); the beam is widened to ``count`` where it is narrower."""
        self.ensure_loaded()
        cap = self.decoding.max_new_tokens(self.count_tokens([text])[0], self.max_output_tokens)
        return self._hypotheses(text, max(1, count), cap)

    def _hypotheses(self, text: str, count: int, max_new_tokens: int) -> list[str]:
        raise NotImplementedError(f"the {self.name} backend cannot give alternative translations")

    def translate_batch(self, texts: list[str]) -> list[str]:
        """Plain translation of a list of sentences, in order."""
        return [generation.text for generation in self.generate(texts)]

    def generate(self, texts: list[str], lengths: list[int] | None = None, tight: bool = False) -> list[Generation]:
        """Translate in length-sorted, token-packed batches and restore the input order.

        A text's output depends on the text alone, never on the texts it shares a batch
        with (padding does not change results). A batch decodes to one length limit, so
        texts with different caps share a batch only where each output can be cut back to
        its own cap exactly (greedy search on a backend with ``truncates_exactly``);
        otherwise (beam search) only texts with the same cap share one. That is what lets
        the cache key leave the neighbours out, and lets the request queue of ``serve``
        and the Ray actors of ``batch --engine ray`` cut work into any batches and still
        equal a local run. ``lengths`` are the texts' ``count_tokens``, when the caller has them;
        ``tight``: the repair's caps (``DecodingSettings.max_new_tokens``).
        """
        if not texts:
            return []
        self.ensure_loaded()
        lengths = self.count_tokens(texts) if lengths is None else list(lengths)
        caps = [self.decoding.max_new_tokens(n, self.max_output_tokens, tight) for n in lengths]
        mix_caps = self.truncates_exactly and self.decoding.beam_size == 1
        if mix_caps:
            order = sorted(range(len(texts)), key=lambda i: lengths[i], reverse=True)
        else:
            order = sorted(range(len(texts)), key=lambda i: (caps[i], lengths[i]), reverse=True)
        results: list[Generation | None] = [None] * len(texts)
        for batch in self._pack(order, lengths, None if mix_caps else caps):
            batch_caps = [caps[i] for i in batch]
            if mix_caps:
                outputs = self._generate([texts[i] for i in batch], max(batch_caps), batch_caps)
            else:
                outputs = self._generate([texts[i] for i in batch], batch_caps[0])
            for i, (text, tokens) in zip(batch, outputs):
                results[i] = Generation(text, tokens, hit_cap=tokens >= caps[i])
        return results  # type: ignore[return-value]

    def _pack(self, order: list[int], lengths: list[int], caps: list[int] | None = None) -> list[list[int]]:
        """Group length-sorted indices so that padded batch size stays under the token budget.

        With ``caps``, a batch never mixes two caps (``order`` must be sorted by cap first).
        """
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:
            longest = lengths[current[0]] if current else lengths[i]
            if current and (
                (len(current) + 1) * longest > self.max_batch_tokens
                or len(current) >= self.max_batch_size
                or (caps is not None and caps[i] != caps[current[0]])
            ):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return batches
