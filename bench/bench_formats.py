"""What the format work costs, beyond the translation: read + place markup + write.

Builds a long ODT (1,080 paragraphs with bold spans), a 200-slide PPTX with notes, and a
3,000-cue SRT and WebVTT from the seed article (tests/data/formats/make_seed_files.py),
fills every sentence with a stand-in "translation" (upper case: no model), and times
``read_document`` + ``write_document`` (best of 3)::

    python bench/bench_formats.py
"""

from __future__ import annotations

import importlib.util
import time
from io import BytesIO
from pathlib import Path

from translate.formats import read_document, write_document

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_seed_files", ROOT / "tests" / "data" / "formats" / "make_seed_files.py")
seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seeds)


def measure(name: str, data: bytes, reps: int = 3) -> None:
    best = float("inf")
    for _ in range(reps):
        started = time.perf_counter()
        document = read_document(data, name)
        for sentence in document.article.sentences():
            sentence.target = sentence.source.upper()
        write_document(document)
        best = min(best, time.perf_counter() - started)
    count = len(document.article.sentences())
    print(f"| {name} | {len(document.article.blocks)} | {count} | {best:.3f} s | {best / count * 1000:.2f} ms |")


def long_odt() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.style import Style, TextProperties
    from odf.text import H, P, Span

    doc = OpenDocumentText()
    bold = Style(name="Fet", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(bold)
    for part in range(60):
        doc.text.addElement(H(outlinelevel=1, text=f"Del {part + 1}"))
        for text in seeds.paragraphs():
            words = text.split(" ")
            paragraph = P()
            paragraph.addText(" ".join(words[:3]) + " ")
            paragraph.addElement(Span(stylename=bold, text=" ".join(words[3:6])))
            paragraph.addText(" " + " ".join(words[6:]))
            doc.text.addElement(paragraph)
    out = BytesIO()
    doc.write(out)
    return out.getvalue()


def long_pptx() -> bytes:
    from pptx import Presentation

    texts = seeds.paragraphs()
    deck = Presentation()
    for number in range(200):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"Lysbilde {number + 1}"
        frame = slide.placeholders[1].text_frame
        frame.text = texts[number % len(texts)]
        for text in texts[:3]:
            frame.add_paragraph().text = text
        slide.notes_slide.notes_text_frame.text = texts[(number + 1) % len(texts)]
    out = BytesIO()
    deck.save(out)
    return out.getvalue()


def long_subtitles(vtt: bool, count: int = 3000) -> bytes:
    cues = seeds._cues()
    blocks = ["WEBVTT\n"] if vtt else []
    for i in range(count):
        start, comma = i * 3, "." if vtt else ","
        stamp = f"{start // 3600:02d}:{start // 60 % 60:02d}:{start % 60:02d}"
        text = seeds._two_lines(cues[i % len(cues)])
        head = "" if vtt else f"{i + 1}\n"
        blocks.append(f"{head}{stamp}{comma}000 --> {stamp}{comma}900\n{'<i>' + text + '</i>' if vtt else text}\n")
    return "\n".join(blocks).encode("utf-8")


def main() -> None:
    print("| file | blocks | sentences | read + place + write | per sentence |")
    print("|---|---|---|---|---|")
    measure("long.odt", long_odt())
    measure("long.pptx", long_pptx())
    measure("long.srt", long_subtitles(vtt=False))
    measure("long.vtt", long_subtitles(vtt=True))


if __name__ == "__main__":
    main()
