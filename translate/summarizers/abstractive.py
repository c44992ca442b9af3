"""Abstractive summaries: a seq2seq model (default google/flan-t5-large) or a chat causal LM,
driven by a prompt template from ``prompts/``.

The model kind comes from its ``config.json`` (``is_encoder_decoder``); a causal model's
prompt goes through its tokenizer's chat template. Decoding is deterministic (beam search
for seq2seq, greedy for causal models; never sampling) and the output length is capped
per style.

Nothing is cut to fit: a text longer than the model's input limit is split at sentence
boundaries (clause boundaries for a sentence that alone is too long) into chunks that
fit, each chunk is summarized with the ``chunk`` template, and the joined chunk summaries
are summarized again, recursively, until they fit one input for the style's template.
Every model input is checked against the limit before it is run, and the tokenizer is
never asked to truncate.

torch and transformers are imported in ``load`` only, on the first ``summarize`` call.
"""

from __future__ import annotations

import copy
import re
import time
from typing import Callable

from translate.article import BLANK_LINES
from translate.errors import ModelLoadError, Nb2enError
from translate.models import ModelRef, input_token_limit, read_config
from translate.prompt_templates import CHUNK_TEMPLATE, PromptTemplate, load_prompt
from translate.summarizers.base import FLAG_LENGTH_CAP, Summarizer, SummaryOutput
from translate.summarizers.extractive import split_english_sentences

# Bump when a change here changes the summary the same model and prompt give (cache key).
ABSTRACTIVE_VERSION = "1"
MAX_NEW_TOKENS = {"short": 128, "headline": 32, "bullets": 192}
CHUNK_MAX_NEW_TOKENS = 160
MIN_CHUNK_NEW_TOKENS = 8
# Each round of part summaries must shrink the text at least this much (in tokens).
MIN_SHRINK = 0.75
NO_REPEAT_NGRAM_SIZE = 4
# One model input is never longer than this, whatever the model allows: past it, CPU time
# grows fast and chunking costs little.
MAX_INPUT_CEILING = 4096
DEFAULT_INPUT_LIMIT = 512
SEQ2SEQ_BATCH = 4
_JOIN_MARGIN = 4
_SEQ2SEQ_SUFFIXES = ("ForConditionalGeneration", "ForSeq2SeqLM", "MTModel")
# A part's summary ran into its length cap (the final summary's cap is FLAG_LENGTH_CAP).
FLAG_PART_LENGTH_CAP = "part-length-cap"
_BULLET_MARK = re.compile(r"^\s*(?:[-*•–—]|\d+[.)])\s*")


class SummaryError(Nb2enError):
    """The summary could not be made (the model's output did not shrink the text)."""


def model_kind(config: dict) -> str:
    """``seq2seq`` for encoder-decoder models, ``causal`` for decoder-only ones."""
    if "is_encoder_decoder" in config:
        return "seq2seq" if config["is_encoder_decoder"] else "causal"
    if any(str(a).endswith(_SEQ2SEQ_SUFFIXES) for a in config.get("architectures") or []):
        return "seq2seq"
    return "causal"


def chunk_text(text: str, count_tokens: Callable[[list[str]], list[int]], limit: int) -> list[str]:
    """Split ``text`` into chunks of whole sentences, each at most ``limit`` tokens.

    ``count_tokens`` counts the tokens of each text (no special tokens). Sentences are
    packed greedily in order; a sentence longer than ``limit`` on its own is split at
    clause boundaries. Every chunk is counted again as joined, so each one fits.
    Nothing is dropped: the chunks hold every word of the text, in order.
    """
    from translate.faithful import split_to_fit

    if limit < 1:
        raise ValueError("limit must be positive")
    sentences = [
        sentence
        for block in BLANK_LINES.split(text.strip())
        for sentence in split_english_sentences(" ".join(block.split()))
    ]
    if not sentences:
        return []
    pieces: list[str] = []
    for sentence, n in zip(sentences, count_tokens(sentences)):
        pieces.extend([sentence] if n <= limit else split_to_fit(sentence, count_tokens, limit))
    counts = count_tokens(pieces)
    groups: list[list[int]] = []
    used = 0
    for i, n in enumerate(counts):
        if groups and used + n <= limit:
            groups[-1].append(i)
            used += n
        else:
            groups.append([i])
            used = n
    return _fit_groups([[pieces[i] for i in group] for group in groups], count_tokens, limit)


def _fit_groups(groups: list[list[str]], count_tokens, limit: int) -> list[str]:
    """Join each group; halve any group whose joined text still runs over the limit."""
    joined = [" ".join(group) for group in groups]
    chunks = []
    for group, text, n in zip(groups, joined, count_tokens(joined)):
        if n <= limit or len(group) == 1:
            chunks.append(text)
        else:
            middle = len(group) // 2
            chunks.extend(_fit_groups([group[:middle], group[middle:]], count_tokens, limit))
    return chunks


def shape_output(text: str, style: str) -> str:
    """Tidy a model's output into the style's shape without dropping its words."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    if style == "headline":
        return lines[0].strip("\"'“”")
    if style == "bullets":
        if len(lines) == 1:
            lines = split_english_sentences(lines[0])
        items = [_BULLET_MARK.sub("", line, count=1).strip() for line in lines]
        return "\n".join(f"- {item}" for item in items if item)
    return " ".join(lines)


class AbstractiveSummarizer(Summarizer):
    """A seq2seq or chat model behind a prompt template; loaded on the first ``summarize``."""

    name = "abstractive"

    def __init__(
        self,
        style: str,
        model: ModelRef,
        *,
        device: str = "cpu",
        beam_size: int = 4,
        prompts_dir=None,
        max_input_tokens: int | None = None,
    ):
        super().__init__(style)
        self.model = model
        self.kind = model_kind(read_config(model))
        self.device = device
        self.dtype = "bfloat16" if device == "cuda" else "float32"
        self.prompt: PromptTemplate = load_prompt(style, prompts_dir)
        self.chunk_prompt: PromptTemplate = load_prompt(CHUNK_TEMPLATE, prompts_dir)
        self.num_beams = max(1, beam_size) if self.kind == "seq2seq" else 1
        self.max_new_tokens = MAX_NEW_TOKENS[style]
        self.max_input_override = max_input_tokens
        self.input_limit: int | None = None
        self.chunk_max_new_tokens = CHUNK_MAX_NEW_TOKENS
        self.input_token_counts: list[int] = []  # of every model input of the last summarize call
        self._loaded = False

    @property
    def loaded(self) -> bool:
        return self._loaded

    def identity(self) -> dict:
        return {
            **super().identity(),
            "kind": self.kind,
            "model": self.model.id,
            "revision": self.model.revision,
            "dtype": self.dtype,
            "prompt": self.prompt.sha256,
            "chunk_prompt": self.chunk_prompt.sha256,
            "num_beams": self.num_beams,
            "max_new_tokens": self.max_new_tokens,
            "chunk_max_new_tokens": CHUNK_MAX_NEW_TOKENS,
            "no_repeat_ngram_size": NO_REPEAT_NGRAM_SIZE,
            "max_input_tokens": self.max_input_override,
            "version": ABSTRACTIVE_VERSION,
        }

    # ------------------------------------------------------------------ loading

    def ensure_loaded(self) -> None:
        if not self._loaded:
            started = time.perf_counter()
            self.load()
            self._loaded = True
            self.load_seconds += time.perf_counter() - started

    def load(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        from translate.backends.transformers_backend import quiet_transformers

        quiet_transformers()
        model_class = AutoModelForSeq2SeqLM if self.kind == "seq2seq" else AutoModelForCausalLM
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(self.model.path))
            network = model_class.from_pretrained(str(self.model.path), dtype=getattr(torch, self.dtype))
            network = network.to(self.device).eval()
        except Exception as error:  # noqa: BLE001 - every load failure is reported the same way
            raise ModelLoadError(
                f"Could not load summary model {self.model.id} as a {self.kind} model on {self.device}: "
                f"{type(error).__name__}: {error}. Pass a seq2seq or chat model with --summary-model "
                "(or try --device cpu), or use --summarizer extractive."
            ) from None
        if self.kind == "causal" and not getattr(tokenizer, "chat_template", None):
            raise ModelLoadError(
                f"Summary model {self.model.id} is a causal LM without a chat template, so it cannot be "
                "prompted reliably. Pass an instruct/chat model or a seq2seq model with --summary-model."
            )
        self.torch = torch
        self.tokenizer = tokenizer
        self.network = network
        self.generation_config = self._generation_config(network.generation_config)
        eos = self.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos]) | {tokenizer.eos_token_id}
        self._stop_ids = {i for i in eos_ids if i is not None}
        self.input_limit = self._input_limit()
        # A part's summary must be much shorter than the part, or the rounds would not converge.
        self.chunk_max_new_tokens = min(CHUNK_MAX_NEW_TOKENS, self.input_limit // 4)

    def _generation_config(self, base):
        config = copy.deepcopy(base)
        config.do_sample = False
        config.temperature = config.top_p = config.top_k = None
        config.max_length = None
        config.num_beams = self.num_beams
        config.num_return_sequences = 1
        config.no_repeat_ngram_size = NO_REPEAT_NGRAM_SIZE
        if config.pad_token_id is None:
            eos = config.eos_token_id
            config.pad_token_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else (
                eos[0] if isinstance(eos, list) else eos
            )
        return config

    def _input_limit(self) -> int:
        """The longest model input: what tokenizer and config allow, within the ceiling; for a
        causal model the output shares that window, so its length cap is set aside."""
        limit = min(input_token_limit(self.model.path, default=DEFAULT_INPUT_LIMIT), MAX_INPUT_CEILING)
        if self.kind == "causal":
            limit -= max(self.max_new_tokens, CHUNK_MAX_NEW_TOKENS)
        if self.max_input_override:
            limit = min(limit, self.max_input_override)
        if limit < 64:
            raise ModelLoadError(
                f"Summary model {self.model.id} takes only {limit} input tokens, too few to summarize with. "
                "Pass a model with a longer context."
            )
        return limit

    # ---------------------------------------------------------------- tokens

    def count_text_tokens(self, texts: list[str]) -> list[int]:
        """Tokens of bare texts (no special tokens, no prompt)."""
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    def model_input(self, prompt: str) -> list[int]:
        """Token ids of the full model input for a rendered prompt (chat template for causal models)."""
        if self.kind == "causal":
            messages = [{"role": "user", "content": prompt}]
            prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            return self.tokenizer(prompt, add_special_tokens=False, truncation=False)["input_ids"]
        return self.tokenizer(prompt, add_special_tokens=True, truncation=False)["input_ids"]

    def input_tokens(self, template: PromptTemplate, text: str) -> int:
        return len(self.model_input(template.render(text=text)))

    def fits(self, template: PromptTemplate, text: str) -> bool:
        return self.input_tokens(template, text) <= self.input_limit

    def split(self, text: str, template: PromptTemplate) -> list[str]:
        """Chunks of ``text`` whose prompts (rendered with ``template``) fit the input limit."""
        budget = self.input_limit - self.input_tokens(template, "") - _JOIN_MARGIN
        if budget < 16:
            raise SummaryError(
                f"The {template.name} prompt leaves no room for text within {self.model.id}'s "
                f"{self.input_limit}-token input. Shorten {template.path}."
            )
        chunks = []
        for chunk in chunk_text(text, self.count_text_tokens, budget):
            excess = self.input_tokens(template, chunk) - self.input_limit
            if excess > 0:  # tokens merged differently across joins: split this one finer
                chunks.extend(chunk_text(chunk, self.count_text_tokens, max(16, budget - excess - _JOIN_MARGIN)))
            else:
                chunks.append(chunk)
        return chunks

    # --------------------------------------------------------------- summarize

    def summarize(self, text: str) -> SummaryOutput:
        self.ensure_loaded()
        details = SummaryOutput(chunks=1, rounds=1)
        self.input_token_counts = []
        blocks = (" ".join(block.split()) for block in BLANK_LINES.split(text.strip()))
        current = "\n\n".join(block for block in blocks if block)
        if not current:
            return details
        size = self.count_text_tokens([current])[0]
        cap = self.chunk_max_new_tokens
        while not self.fits(self.prompt, current):
            pieces = self.split(current, self.chunk_prompt)
            if details.rounds == 1:
                details.chunks = len(pieces)
            outputs = self.generate([self.chunk_prompt.render(text=piece) for piece in pieces], cap)
            if any(hit_cap for _, hit_cap in outputs) and FLAG_PART_LENGTH_CAP not in details.flags:
                details.flags.append(FLAG_PART_LENGTH_CAP)
            joined = "\n\n".join(" ".join(out.split()) for out, _ in outputs if out.strip())
            if not joined:
                return details
            new_size = self.count_text_tokens([joined])[0]
            if new_size > size * MIN_SHRINK:
                # The parts' summaries came out no shorter than the parts: ask for shorter ones.
                cap //= 2
                if cap < MIN_CHUNK_NEW_TOKENS:
                    raise SummaryError(
                        f"Summarizing the parts of this text with {self.model.id} does not make it shorter, "
                        "so it cannot be summarized. Try another --summary-model, or --summarizer extractive."
                    )
                continue
            details.rounds += 1
            current, size = joined, new_size
        [(summary, hit_cap)] = self.generate([self.prompt.render(text=current)], self.max_new_tokens)
        if hit_cap:
            details.flags.append(FLAG_LENGTH_CAP)
        details.text = shape_output(summary, self.style)
        return details

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[tuple[str, bool]]:
        """Run the model on rendered prompts; (text, hit the length cap) per prompt, in order."""
        inputs = [self.model_input(prompt) for prompt in prompts]
        for ids in inputs:
            if len(ids) > self.input_limit:  # chunking guarantees this never happens; never truncate
                raise SummaryError(
                    f"Internal error: a {len(ids)}-token input exceeds {self.model.id}'s limit of "
                    f"{self.input_limit}. Please report this."
                )
            self.input_token_counts.append(len(ids))
        if self.kind == "causal":
            return [self._generate_causal(ids, max_new_tokens) for ids in inputs]
        results = []
        for start in range(0, len(inputs), SEQ2SEQ_BATCH):
            results.extend(self._generate_seq2seq(inputs[start : start + SEQ2SEQ_BATCH], max_new_tokens))
        return results

    def _generate_seq2seq(self, batch: list[list[int]], max_new_tokens: int) -> list[tuple[str, bool]]:
        torch = self.torch
        encoded = self.tokenizer.pad({"input_ids": batch}, return_tensors="pt").to(self.device)
        with torch.inference_mode():
            output = self.network.generate(
                **encoded, generation_config=self.generation_config, max_new_tokens=max_new_tokens
            )
        results = []
        for row in output.tolist():
            generated = row[1:]  # the decoder start token
            stopped = any(token in self._stop_ids for token in generated)
            text = self.tokenizer.decode(generated, skip_special_tokens=True)
            results.append((text.strip(), not stopped and len(generated) >= max_new_tokens))
        return results

    def _generate_causal(self, ids: list[int], max_new_tokens: int) -> tuple[str, bool]:
        torch = self.torch
        input_ids = torch.tensor([ids], device=self.device)
        with torch.inference_mode():
            output = self.network.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                generation_config=self.generation_config,
                max_new_tokens=max_new_tokens,
            )
        generated = output[0, len(ids) :].tolist()
        stopped = any(token in self._stop_ids for token in generated)
        text = self.tokenizer.decode(generated, skip_special_tokens=True)
        return text.strip(), not stopped and len(generated) >= max_new_tokens
