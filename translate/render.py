"""Turning an ArticleResult into text, Markdown or the JSON machine contract."""

from __future__ import annotations

import json

from translate.article import FOOTER, HEADING, META
from translate.pipeline import ArticleResult

EXTENSIONS = {"text": "txt", "markdown": "md", "json": "json"}


def render(result: ArticleResult, fmt: str) -> str:
    """The article in ``fmt`` (text, markdown or json; an ``OutputFormat`` works too)."""
    fmt = getattr(fmt, "value", fmt)
    if fmt == "json":
        return render_json(result)
    if fmt == "markdown":
        return render_markdown(result)
    return render_text(result)


def render_summary(result: ArticleResult) -> str:
    """The summary alone (``nb2en summarize``): one line break at the end, nothing else."""
    return (result.summary or "") + "\n"


def render_text(result: ArticleResult) -> str:
    """Same blank-line blocks as the input; the summary, if any, after the article."""
    parts = [block.target or "" for block in result.article.blocks]
    if result.summary:
        parts.append("Summary:\n" + result.summary)
    return "\n\n".join(parts) + "\n"


def render_markdown(result: ArticleResult) -> str:
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
    if result.summary:
        parts.append("## Summary\n\n" + result.summary)
    return "\n\n".join(parts) + "\n"


def result_to_dict(result: ArticleResult) -> dict:
    return {
        "source": {"path": result.source.path, "sha256": result.source.sha256, "encoding": result.source.encoding},
        "metadata": result.article.metadata,
        "blocks": [
            {
                "kind": block.kind,
                "source": block.source,
                "target": block.target,
                "sentences": [
                    {"source": s.source, "target": s.target, "cached": s.cached, "flags": s.flags}
                    for s in block.sentences
                ],
            }
            for block in result.article.blocks
        ],
        "summary": result.summary,
        "summary_info": result.summary_info,
        "model": result.model,
        "cache": {"hits": result.cache.hits, "misses": result.cache.misses},
        "flags": result.flags,
        "warnings": result.warnings,
        "timings": result.timings,
    }


def render_json(result: ArticleResult) -> str:
    return json.dumps(result_to_dict(result), ensure_ascii=False, indent=2) + "\n"
