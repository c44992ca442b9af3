"""A sentence's translation depends on the sentence alone, not on the batch it shares.

The request queue of ``serve``, the windows of ``batch`` and the Ray engine's actors all cut
work into different batches; the cache key leaves the neighbours out. This holds because
padding does not change CTranslate2's results and a batch decodes to one length limit: under
beam search only texts with the same cap share a batch; under greedy search texts with
different caps share one and each output is cut back to its own cap, which CTranslate2
(no end token forced at the limit) makes exact. The tiny random model mostly runs on to its length cap, the
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


@pytest.mark.parametrize("beam_size, mixes", [(1, True), (4, False)])
def test_greedy_batches_mix_caps_and_beam_batches_do_not(tiny_marian_dir, tmp_path, beam_size, mixes):
    """Greedy decoding keeps batches full across length caps (the serve queue's and the batch
    windows' speed); beam search keeps one cap per batch (cutting back would not be exact)."""
    lines = (REPO_ROOT / "tests" / "data" / "nob-ud-dev.txt").read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if 2 <= len(line.split()) <= 40][:24]
    choice = BackendChoice("ctranslate2", "cpu", "int8", "test")
    backend = create_backend(resolve_model(str(tiny_marian_dir)), choice, DecodingSettings(beam_size=beam_size), tmp_path)
    backend.ensure_loaded()
    caps = [backend.decoding.max_new_tokens(n, backend.max_output_tokens) for n in backend.count_tokens(texts)]
    assert len(set(caps)) > 2
    calls = []
    generate_batch = backend._generate

    def recording(batch, max_new_tokens, batch_caps=None):
        calls.append((len(batch), max_new_tokens, batch_caps))
        return generate_batch(batch, max_new_tokens, batch_caps)

    backend._generate = recording
    outputs = backend.generate(texts)
    assert len(outputs) == len(texts) and sum(size for size, _, _ in calls) == len(texts)
    if mixes:
        assert len(calls) < len(set(caps))
        assert any(len(set(batch_caps)) > 1 and max(batch_caps) == limit for _, limit, batch_caps in calls)
    else:
        assert len(calls) >= len(set(caps)) and all(batch_caps is None for _, _, batch_caps in calls)


def test_beam_caps_climb_a_short_ladder_repairs_are_tight_and_greedy_keys_are_unchanged():
    """Beam batches never mix caps, so first-pass beam caps come from a ladder (32, 128, 256, 512,
    never below the proportional cap): news sentences share one cap. The repair's caps
    (``tight``) and greedy caps keep steps of 8, and greedy keeps its cache identity."""
    beam, greedy = DecodingSettings(beam_size=4), DecodingSettings(beam_size=1)
    for n in range(1, 400):
        proportional = 1.5 * n + 10
        cap = beam.max_new_tokens(n, 512)
        assert cap == 512 or (cap >= proportional and cap in beam.beam_cap_ladder)
        for tight in (beam.max_new_tokens(n, 512, tight=True), greedy.max_new_tokens(n, 512)):
            assert tight == 512 or (tight % 8 == 0 and proportional <= tight < proportional + 8)
    news = range(15, 79)  # source lengths (tokens) of most news sentences
    assert {beam.max_new_tokens(n, 512) for n in news} == {128}
    assert len({greedy.max_new_tokens(n, 512) for n in news}) > 10
    assert "beam_cap_ladder" not in greedy.identity() and beam.identity()["beam_cap_ladder"] == [32, 128, 256, 512]
