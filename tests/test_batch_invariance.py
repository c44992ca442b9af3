"""A sentence's translation depends on the sentence alone, not on the batch it shares.

The request queue of ``serve``, the windows of ``batch`` and the Ray engine's actors all cut
work into different batches; the cache key leaves the neighbours out. This holds because a
model batch never mixes length caps (one decoding limit per batch) and padding does not
change CTranslate2's results. The tiny random model mostly runs on to its length cap, the
case where a shared decoding limit would show.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from translate.backends import BackendChoice, DecodingSettings, create_backend
from translate.faithful import translate_texts
from translate.models import resolve_model

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("compute_type, beam_size", [("int8", 1), ("int8", 4), ("float32", 2)])
def test_outputs_do_not_depend_on_batch_neighbours(tiny_marian_dir, tmp_path, compute_type, beam_size):
    lines = (REPO_ROOT / "tests" / "data" / "nob-ud-dev.txt").read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if 2 <= len(line.split()) <= 40][:24]
    choice = BackendChoice("ctranslate2", "cpu", compute_type, "test")
    backend = create_backend(resolve_model(str(tiny_marian_dir)), choice, DecodingSettings(beam_size=beam_size), tmp_path)
    together = backend.generate(texts)
    assert [g.text for g in backend.generate(texts[::-1])][::-1] == [g.text for g in together]
    assert [backend.generate([t])[0].text for t in texts[:8]] == [g.text for g in together[:8]]
    assert len({g.text for g in together}) > 1 and any(g.hit_cap for g in together)
    # The faithful layer (repair rounds batch the halves of many sentences) inherits it.
    full = translate_texts(backend, texts)
    assert translate_texts(backend, texts[:5]) + translate_texts(backend, texts[5:]) == full
