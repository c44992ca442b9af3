"""Turning an ArticleResult into text, Markdown or the JSON machine contract."""

from __future__ import annotations

import json

from translate.article import FOOTER, HEADING, META
from translate.pipeline import ArticleResult

EXTENSIONS = {"text": "txt", "markdown": "md", "json": "json", "xliff": "xlf"}


def render(result: ArticleResult, fmt: str, with_summary: bool = True) -> str:
    """The article in ``fmt`` (text, markdown, json or xliff; an ``OutputFormat`` works too).

    ``with_summary=False`` leaves the summary out of text and Markdown (a file that is the
    article only); JSON always carries every field.
    """
    fmt = getattr(fmt, "value", fmt)
    if fmt == "json":
        return render_json(result)
    if fmt == "xliff":
        from translate.xliff import render_xliff

        return render_xliff(result)
    if fmt == "markdown":
        return render_markdown(result, with_summary)
    return render_text(result, with_summary)


def render_summary(result: ArticleResult) -> str:
    """The summary alone (``nb2en summarize``): one line break at the end, nothing else."""
    return (result.summary or "") + "\n"


def render_text(result: ArticleResult, with_summary: bool = True) -> str:
    """Same blank-line blocks as the input; the summary, if any (and wanted), after the article."""
    parts = [block.target or "" for block in result.article.blocks]
    if with_summary and result.summary:
        parts.append("Summary:\n" + result.summary)
    return "\n\n".join(parts) + "\n"


def render_markdown(result: ArticleResult, with_summary: bool = True) -> str:
    parts = []
    for block in result.article.blocks:
        target = block.target or ""
        if block.kind == META:
            parts.append(f"*{target.strip()}*")
        elif block.kind == HEADING:
            parts.append(f"## {target}")
        elif block.kind == FOOTER:
            parts.append(f"*{target}*")
        else:
            parts.append(target)
    if with_summary and result.summary:
        parts.append("## Summary\n\n" + result.summary)
    return "\n\n".join(parts) + "\n"


def writes_own_format(result: ArticleResult, fmt) -> bool:
    """Whether ``fmt`` means the input's own format writer (HTML, Markdown, DOCX, NITF)."""
    fmt = getattr(fmt, "value", fmt)
    document = result.document
    if document is None or document.format == "txt":
        return False
    return fmt == "same" or (fmt == "markdown" and document.format == "md")


def render_output(result: ArticleResult, fmt, with_summary: bool = True) -> str | bytes:
    """What ``translate``/``batch`` write: the input's own format for ``same`` (bytes), else ``render``.

    A structured document is written over its original (``translate.formats``) and carries
    no summary; text, Markdown and JSON renderings do unless ``with_summary`` is False
    (the server's download is the article only: its summary is in the JSON answer).
    """
    if writes_own_format(result, fmt):
        from translate.formats import write_document

        return write_document(result.document)
    fmt = getattr(fmt, "value", fmt)
    return render(result, "text" if fmt == "same" else fmt, with_summary)


def _block_dict(block, alignments: dict) -> dict:
    entry = {
        "kind": block.kind,
        "location": block.location,
        "source": block.source,
        "target": block.target,
        "sentences": [
            _sentence_dict(s) for s in block.sentences
        ],
    }
    if block.spans:
        from translate.formats.inline import place_spans

        place_spans(block, alignments)  # where each inline element lands in the English
        entry["spans"] = [span.to_dict() for span in block.spans]
    return entry


def _sentence_dict(s) -> dict:
    entry = {
        "source": s.source, "target": s.target, "language": s.language, "cached": s.cached, "origin": s.origin,
        "flags": s.flags,
    }
    if s.suggestion is not None:
        entry["suggestion"] = s.suggestion.to_dict()  # a near miss from the memory, not applied
    return entry


def result_to_dict(result: ArticleResult) -> dict:
    return {
        "source": {
            "path": result.source.path,
            "sha256": result.source.sha256,
            "encoding": result.source.encoding,
            "format": result.article.format,
        },
        "metadata": result.article.metadata,
        "blocks": [_block_dict(block, result.article.alignments) for block in result.article.blocks],
        "summary": result.summary,
        "summary_info": result.summary_info,
        "model": result.model,
        "cache": {"hits": result.cache.hits, "misses": result.cache.misses},
        "memory": {"hits": result.cache.memory},
        "flags": result.flags,
        "warnings": result.warnings,
        "timings": result.timings,
    }


def render_json(result: ArticleResult) -> str:
    return json.dumps(result_to_dict(result), ensure_ascii=False, indent=2) + "\n"
