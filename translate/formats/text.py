"""Plain text: blank-line separated blocks (today's reader), written back as plain text."""

from __future__ import annotations

from translate.article import parse_article
from translate.formats import Document
from translate.io import decode_source


def read(data: bytes, label: str, encoding: str | None = None) -> Document:
    source = decode_source(data, label, encoding)
    article = parse_article(source.text)
    article.format = "txt"
    for index, block in enumerate(article.blocks):
        block.location = f"block {index + 1}"
    return Document("txt", article, source)


def write(document: Document) -> bytes:
    """The English blocks, blank-line separated (as ``render_text`` without a summary)."""
    parts = [block.target if block.target is not None else block.source for block in document.article.blocks]
    return ("\n\n".join(parts) + "\n").encode("utf-8")
