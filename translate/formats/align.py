"""Word alignment from the translation model's cross-attention, for placing inline markup.

Given a Norwegian sentence and its English (from the model or from the cache), the model
is run once more with the English forced as its output and asked for its attention
(CTranslate2 ``return_attention`` with ``target_prefix``; transformers
``output_attentions`` on a forward pass). Each English word is linked to the Norwegian
word it attends to most; ``place_spans`` then puts a span around the English words linked
to the span's Norwegian words. Where a word has no link, or the pieces do not line up with
the words, placement falls back to relative position (and flags the sentence).

Only sentences whose markup cannot be placed exactly are aligned, in one batch. The
model is loaded for this only when alignment is asked for (``--inline-alignment
attention``); by default placement uses position and anchor words only, so a fully
cached run loads no model.
"""

from __future__ import annotations

from translate.article import Article
from translate.formats.inline import needs_alignment

SPM_SPACE = "\u2581"
_SPECIAL = frozenset(("</s>", "<pad>", "<unk>", "<s>"))


def words_of_pieces(pieces: list[str]) -> list[int] | None:
    """The word index of each sentencepiece piece (a piece starting with ▁ starts a word)."""
    index, out = -1, []
    for piece in pieces:
        if piece in _SPECIAL:
            out.append(-1)
            continue
        if piece.startswith(SPM_SPACE) or index < 0:  # a lone ▁ starts a word too
            index += 1
        out.append(index)
    return out


def links_from_attention(
    attention: list[list[float]], source_words: list[int], target_words: list[int], n_source: int, n_target: int
) -> list[list[int]] | None:
    """For each source word, the target words that attend to it most (may be empty)."""
    if max(source_words, default=-1) + 1 != n_source or max(target_words, default=-1) + 1 != n_target:
        return None  # tokenisation does not line up with whitespace words: do not guess
    scores = [[0.0] * n_source for _ in range(n_target)]
    for t_piece, row in enumerate(attention[: len(target_words)]):
        t_word = target_words[t_piece]
        if t_word < 0:
            continue
        for s_piece, weight in enumerate(row[: len(source_words)]):
            s_word = source_words[s_piece]
            if s_word >= 0:
                scores[t_word][s_word] += float(weight)
    links: list[list[int]] = [[] for _ in range(n_source)]
    for t_word, row in enumerate(scores):
        if any(row):
            links[max(range(n_source), key=lambda s: row[s])].append(t_word)
    return links


def align_pairs(backend, pairs: list[tuple[str, str]]) -> list[list[list[int]] | None]:
    """Word links for each (source, target) sentence, from the backend's model."""
    if not pairs:
        return []
    backend.ensure_loaded()
    if backend.name == "ctranslate2":
        return _ctranslate2(backend, pairs)
    if backend.name == "transformers":
        return _transformers(backend, pairs)
    return [None] * len(pairs)


def _ctranslate2(backend, pairs):
    sources = [pieces + ["</s>"] for pieces in backend.source_sp.encode([s for s, _ in pairs], out_type=str)]
    targets = backend.target_sp.encode([t for _, t in pairs], out_type=str)
    results = backend.translator.translate_batch(
        sources,
        target_prefix=targets,
        beam_size=1,
        max_decoding_length=max(len(t) for t in targets) + 1,
        return_attention=True,
        return_scores=False,
    )
    out = []
    for (source, target), src_pieces, tgt_pieces, result in zip(pairs, sources, targets, results):
        attention = result.attention[0] if result.attention else []
        out.append(
            links_from_attention(
                attention[: len(tgt_pieces)], words_of_pieces(src_pieces), words_of_pieces(tgt_pieces),
                len(source.split()), len(target.split()),
            )
        )
    return out


def _transformers(backend, pairs):
    network = backend.network
    # SDPA attention returns no weights: switch to eager for this pass, then back.
    previous = getattr(network.config, "_attn_implementation", None)
    if previous not in (None, "eager"):
        network.set_attn_implementation("eager")
    try:
        return _transformers_pairs(backend, pairs)
    finally:
        if previous not in (None, "eager"):
            network.set_attn_implementation(previous)


def _transformers_pairs(backend, pairs):
    torch = backend.torch
    tokenizer = backend.tokenizer
    network = backend.network
    out = []
    for source, target in pairs:  # one at a time: few sentences, no padding to reason about
        inputs = tokenizer([source], return_tensors="pt").to(backend.device)
        labels = tokenizer(text_target=[target], return_tensors="pt")["input_ids"].to(backend.device)
        start = torch.full((1, 1), network.config.decoder_start_token_id, device=backend.device)
        decoder_input = torch.cat([start, labels[:, :-1]], dim=1)
        with torch.inference_mode():
            output = network(**inputs, decoder_input_ids=decoder_input, output_attentions=True)
        # Mean over layers and heads: (target pieces, source pieces).
        attention = torch.stack(output.cross_attentions).mean(dim=(0, 2))[0]
        # Row k of the decoder predicts label k: the attention of label k is row k.
        src_pieces = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0].tolist())
        tgt_pieces = tokenizer.convert_ids_to_tokens(labels[0].tolist())
        out.append(
            links_from_attention(
                attention.float().cpu().tolist(), words_of_pieces(src_pieces), words_of_pieces(tgt_pieces),
                len(source.split()), len(target.split()),
            )
        )
    return out


def align_article(article: Article, backend) -> int:
    """Store word links for the sentences whose markup needs them; return how many."""
    wanted = []
    for block in article.blocks:
        for sentence in needs_alignment(block):
            key = (sentence.source, sentence.target)
            if key not in article.alignments and key not in wanted:
                wanted.append(key)
    for key, links in zip(wanted, align_pairs(backend, wanted)):
        article.alignments[key] = links
    return len(wanted)
