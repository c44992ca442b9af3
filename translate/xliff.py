"""A translated article as XLIFF 1.2, the version every CAT tool reads (``--format xliff``).

One ``group`` per block (its kind and location as notes), one ``trans-unit`` per sentence in
order, with the source, the English and its state: ``final`` for English from the memory
(a person's), ``needs-review-translation`` for everything else (the machine's, or text
passed through as it was). Flags become notes; a near miss from the memory becomes an
``alt-trans`` (how CAT tools show a fuzzy match). An editor fixes the targets, marks them
final, and ``nb2en memory import`` brings them home.
"""

from __future__ import annotations

from translate.memory_io import XLIFF12_NS

MEMORY_STATE, MACHINE_STATE = "final", "needs-review-translation"


def render_xliff(result) -> str:
    """The article of an ``ArticleResult`` as an XLIFF 1.2 document (UTF-8 text)."""
    from lxml import etree

    def sub(parent, tag, text=None, **attrs):
        element = etree.SubElement(parent, f"{{{XLIFF12_NS}}}{tag}", {k.replace("_", "-"): v for k, v in attrs.items()})
        if text is not None:
            element.text = text
        return element

    root = etree.Element(f"{{{XLIFF12_NS}}}xliff", version="1.2", nsmap={None: XLIFF12_NS})
    file_ = sub(
        root, "file", original=result.source.path or "-", source_language="nb", target_language="en",
        datatype="plaintext", tool_id="nb2en",
    )
    header = sub(file_, "header")
    sub(header, "tool", tool_id="nb2en", tool_name="nb2en")
    if result.source.sha256:
        sub(header, "note", f"source sha256: {result.source.sha256}", **{"from": "nb2en"})
    body = sub(file_, "body")
    for number, block in enumerate(result.article.blocks, start=1):
        if not block.sentences:
            continue
        group = sub(body, "group", id=f"b{number}", resname=block.kind)
        if block.location:
            sub(group, "note", f"location: {block.location}", **{"from": "nb2en"})
        for index, sentence in enumerate(block.sentences, start=1):
            unit = sub(group, "trans-unit", id=f"b{number}-s{index}")
            unit.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            sub(unit, "source", sentence.source)
            from_memory = getattr(sentence, "origin", None) == "memory"
            target = sub(unit, "target", sentence.target or "", state=MEMORY_STATE if from_memory else MACHINE_STATE)
            if not from_memory:
                target.set("state-qualifier", "mt-suggestion")
            near = getattr(sentence, "suggestion", None)
            if near is not None:
                alt = sub(unit, "alt-trans", match_quality=f"{near.score:.0f}", origin="nb2en-memory")
                sub(alt, "source", near.source)
                sub(alt, "target", near.target)
            origin = getattr(sentence, "origin", None)
            if origin:
                sub(unit, "note", f"origin: {origin}", **{"from": "nb2en"})
            for flag in sentence.flags:
                sub(unit, "note", flag, **{"from": "nb2en"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")
