"""Reference backend: a Marian model through transformers' ``generate`` (fp32 on CPU).

transformers 5 has no translation pipeline, so this loads the tokenizer and model
classes itself. torch and transformers are imported in ``load`` only.
"""

from __future__ import annotations

from translate.backends.base import TranslationBackend, default_threads, passive_openmp_waits
from translate.errors import ModelCorruptError
from translate.models import input_token_limit


def quiet_transformers() -> None:
    """Keep transformers' progress bars and advisory warnings out of our stderr."""
    import warnings

    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message=".*sacremoses.*")


class TransformersBackend(TranslationBackend):
    name = "transformers"
    max_batch_tokens = 2048
    max_batch_size = 32

    def load(self) -> None:
        passive_openmp_waits()
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        quiet_transformers()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(self.model.path))
            dtype = torch.float16 if self.compute_type == "float16" else torch.float32
            model = AutoModelForSeq2SeqLM.from_pretrained(str(self.model.path), dtype=dtype)
        except Exception as error:  # noqa: BLE001 - any load failure is reported the same way
            raise ModelCorruptError(
                f"Could not load translation model {self.model.id}: {type(error).__name__}: "
                f"{' '.join(str(error).split())[:300]}. "
                "Check that the directory holds a complete Marian model, or run `nb2en models download`."
            ) from None
        model.generation_config.max_length = None
        if self.device == "cpu":
            torch.set_num_threads(self.cpu_threads or default_threads())
        self.torch = torch
        self.network = model.to(self.device).eval()
        config = model.config
        self.max_input_tokens = input_token_limit(self.model.path)
        self.max_output_tokens = self.max_input_tokens
        self._pad_id, self._eos_id = config.pad_token_id, config.eos_token_id

    def count_tokens(self, texts: list[str]) -> list[int]:
        self.ensure_loaded()
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=True)["input_ids"]]

    def _generate(self, texts: list[str], max_new_tokens: int, caps: list[int] | None = None) -> list[tuple[str, int]]:
        inputs = self.tokenizer(texts, return_tensors="pt", padding=True).to(self.device)
        with self.torch.inference_mode():
            output = self.network.generate(
                **inputs,
                num_beams=self.decoding.beam_size,
                max_new_tokens=max_new_tokens,
                do_sample=False,
            )
        texts_out = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        counts = [self._generated_length(row.tolist()[1:], max_new_tokens) for row in output]
        return [(text.strip(), count) for text, count in zip(texts_out, counts)]

    def _hypotheses(self, text: str, count: int, max_new_tokens: int) -> list[str]:
        inputs = self.tokenizer([text], return_tensors="pt", padding=True).to(self.device)
        with self.torch.inference_mode():
            output = self.network.generate(
                **inputs,
                num_beams=max(self.decoding.beam_size, count),
                num_return_sequences=count,
                max_new_tokens=max_new_tokens,
                do_sample=False,
            )
        return [text.strip() for text in self.tokenizer.batch_decode(output, skip_special_tokens=True)]

    def _generated_length(self, ids: list[int], max_new_tokens: int) -> int:
        """Tokens generated for one output, its closing ``</s>`` excluded unless it was forced.

        At the length cap transformers forces ``</s>`` as the last token; counting it then
        keeps a run-away output at the cap, so the faithfulness check sees ``hit_cap``.
        """
        while ids and ids[-1] == self._pad_id:
            ids = ids[:-1]
        if ids and ids[-1] == self._eos_id and len(ids) < max_new_tokens:
            ids = ids[:-1]
        return len(ids)
