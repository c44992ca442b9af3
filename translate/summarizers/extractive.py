"""Extractive summaries: sentences of the English translation itself, no model at all.

A lead-aware TextRank: sentences are nodes, edges are TF-IDF cosine similarities, and the
random walk jumps back preferentially to the first sentences (a news lead carries the
most). The best-ranked sentences are chosen with a redundancy check and printed in
article order, shaped by the style:

* ``short``: 2-3 sentences (3 unless they run past ``SHORT_MAX_WORDS`` words);
* ``headline``: the best sentence as one line of fewer than 15 words, cut at a clause
  boundary where it is longer (an ellipsis marks a cut inside a clause);
* ``bullets``: 3-5 ``- `` lines, more for longer articles.

Pure Python and deterministic; works offline with nothing downloaded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from translate.article import BLANK_LINES, looks_like_heading
from translate.summarizers.base import Summarizer, SummaryOutput

# Bump when a change here changes which summary the same text gets (it is in the cache key).
EXTRACTIVE_VERSION = "1"
SHORT_SENTENCES = (2, 3)
SHORT_MAX_WORDS = 75
BULLETS = (3, 5)
HEADLINE_MAX_WORDS = 14
DAMPING = 0.85
REDUNDANCY = 0.6
QUOTE_WEIGHT = 0.6
LONG_SENTENCE_WORDS = 40
_TERMINAL = tuple(".!?…:;\"”’»)")
_DASH = re.compile(r"^[–—-]\s+")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt capt cpt gov sen rep no nos vs etc approx ca fig dept est "
    "jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp e.g i.e u.s u.k u.n a.m p.m".split()
)
_BOUNDARY = re.compile(r"[.!?…]+[\"”’»)\]]*\s+(?=[\"“‘«(\[–—-]?\s*[A-Z0-9\u00c0-\u00de])")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*")
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself
    nor not now of off on once only or other our ours ourselves out over own said same say says she should
    so some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your yours
    yourself yourselves according told also one two""".split()
)
_CLAUSE_WORDS = frozenset("and but that which who after when while as because where since until".split())


@dataclass
class Candidate:
    index: int
    text: str
    quote: bool
    words: int
    terms: Counter


class ExtractiveSummarizer(Summarizer):
    """Choose sentences of the text; the style decides how many and their shape."""

    name = "extractive"

    def identity(self) -> dict:
        return {**super().identity(), "version": EXTRACTIVE_VERSION}

    def summarize(self, text: str) -> SummaryOutput:
        return SummaryOutput(summarize_extractive(text, self.style))


def summarize_extractive(text: str, style: str = "short") -> str:
    """The extractive summary of English ``text`` (blank lines separate blocks)."""
    candidates = candidate_sentences(text)
    if not candidates:
        return ""
    scores = rank(candidates)
    if style == "headline":
        best = select(candidates, scores, 1, 1)
        return make_headline(best[0].text) if best else ""
    if style == "bullets":
        low, high = BULLETS
        wanted = max(low, min(high, len(candidates) // 5))
        chosen = select(candidates, scores, min(low, len(candidates)), wanted)
        return "\n".join(f"- {c.text}" for c in chosen)
    low, high = SHORT_SENTENCES
    chosen = select(candidates, scores, min(low, len(candidates)), high)
    if len(chosen) > low and sum(c.words for c in chosen) > SHORT_MAX_WORDS:
        weakest = min(chosen, key=lambda c: scores[c.index])
        chosen = [c for c in chosen if c is not weakest]
    return " ".join(c.text for c in chosen)


def candidate_sentences(text: str) -> list[Candidate]:
    """Sentences of the body blocks; headings (short lines without end punctuation) are skipped
    unless there is nothing else."""
    blocks = [" ".join(block.split()) for block in BLANK_LINES.split(text.strip())]
    blocks = [block for block in blocks if block]
    body = [block for block in blocks if not is_heading(block)]
    candidates: list[Candidate] = []
    for flat in body or blocks:  # a text of headings only is summarized from its headings
        quote = bool(_DASH.match(flat))
        if quote:
            flat = _DASH.sub("", flat, count=1)
        for sentence in split_english_sentences(flat):
            sentence = _DASH.sub("", sentence, count=1).strip()
            if sentence:
                terms = Counter(terms_of(sentence))
                words = len(sentence.split())
                candidates.append(Candidate(len(candidates), sentence, quote, words, terms))
    return candidates


def is_heading(block: str) -> bool:
    return looks_like_heading(block, _TERMINAL)


def split_english_sentences(text: str) -> list[str]:
    """Split English prose at sentence ends, not after common abbreviations or initials."""
    sentences = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if text[match.start()] == "." and (last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def terms_of(sentence: str) -> list[str]:
    """Content words, lowercased, with a light plural/possessive folding."""
    terms = []
    for word in _WORD.findall(sentence.lower()):
        word = re.sub(r"['’]s$", "", word)
        if word in _STOPWORDS or len(word) < 2 and not word.isdigit():
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        terms.append(word)
    return terms


def rank(candidates: list[Candidate]) -> list[float]:
    """Lead-biased PageRank over TF-IDF cosine similarities, weighted down for quotes and fragments."""
    n = len(candidates)
    df = Counter(term for c in candidates for term in c.terms)
    idf = {term: math.log(1 + n / count) for term, count in df.items()}
    vectors = [{t: tf * idf[t] for t, tf in c.terms.items()} for c in candidates]
    norms = [math.sqrt(sum(v * v for v in vector.values())) or 1.0 for vector in vectors]
    edges: list[dict[int, float]] = [{} for _ in range(n)]
    postings: dict[str, list[int]] = {}
    for i, vector in enumerate(vectors):
        for term in vector:
            postings.setdefault(term, []).append(i)
    for i, vector in enumerate(vectors):
        dots: Counter = Counter()
        for term, weight in vector.items():
            for j in postings[term]:
                if j > i:
                    dots[j] += weight * vectors[j][term]
        for j, dot in dots.items():
            similarity = dot / (norms[i] * norms[j])
            edges[i][j] = edges[j][i] = similarity
    lead = [1.0 / (i + 1) for i in range(n)]
    total = sum(lead)
    teleport = [weight / total for weight in lead]
    out_weight = [sum(row.values()) for row in edges]
    scores = list(teleport)
    for _ in range(50):
        dangling = sum(scores[i] for i in range(n) if out_weight[i] == 0)
        new = [(1 - DAMPING) * teleport[i] + DAMPING * dangling * teleport[i] for i in range(n)]
        for i, row in enumerate(edges):
            if out_weight[i]:
                share = DAMPING * scores[i] / out_weight[i]
                for j, weight in row.items():
                    new[j] += share * weight
        change = sum(abs(a - b) for a, b in zip(new, scores))
        scores = new
        if change < 1e-9:
            break
    for c in candidates:
        if c.quote:
            scores[c.index] *= QUOTE_WEIGHT
        if c.words < 5:
            scores[c.index] *= 0.5
        elif c.words > LONG_SENTENCE_WORDS:
            scores[c.index] *= LONG_SENTENCE_WORDS / c.words
    return scores


def select(candidates: list[Candidate], scores: list[float], low: int, high: int) -> list[Candidate]:
    """Up to ``high`` best sentences, skipping near-duplicates of chosen ones unless that leaves
    fewer than ``low``; returned in article order."""
    order = sorted(candidates, key=lambda c: (-scores[c.index], c.index))
    chosen: list[Candidate] = []
    for c in order:
        if len(chosen) >= high:
            break
        if all(cosine(c.terms, other.terms) < REDUNDANCY for other in chosen):
            chosen.append(c)
    texts = {c.text for c in chosen}
    for c in order:
        if len(chosen) >= low:
            break
        if c not in chosen and c.text not in texts:
            chosen.append(c)
            texts.add(c.text)
    return sorted(chosen, key=lambda c: c.index)


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 1.0 if not a and not b else 0.0
    dot = sum(count * b[term] for term, count in a.items() if term in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def make_headline(sentence: str, max_words: int = HEADLINE_MAX_WORDS) -> str:
    """One line of at most ``max_words`` words: the sentence, cut at a clause boundary if longer."""
    words = sentence.split()
    if len(words) <= max_words:
        return _strip_end(sentence)
    cut = None
    for i in range(max_words, 4, -1):  # keep at least 5 words
        word, following = words[i - 1], words[i] if i < len(words) else ""
        if word.endswith((",", ";", ":")) or following in ("–", "—") or following.lower() in _CLAUSE_WORDS:
            cut = i
            break
    if cut is not None:
        return _strip_end(" ".join(words[:cut]))
    return _strip_end(" ".join(words[:max_words])) + "…"


def _strip_end(text: str) -> str:
    return text.strip().rstrip(".,;:–— ").strip()
