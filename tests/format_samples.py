"""Realistic sample articles of every format, built in the repo (no binary files stored).

NITF, HTML and Markdown samples live in tests/data/formats/; the DOCX sample is made
here with python-docx (headings, a bold run, a quote, a bullet list, a table, a header,
a hyperlink and a footnote-free body), so its bytes never need to be checked in.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

DATA = Path(__file__).parent / "data" / "formats"
NITF_SAMPLE = DATA / "ntb-uvaer.nitf.xml"
HTML_SAMPLE = DATA / "budsjett.html"
MARKDOWN_SAMPLE = DATA / "budsjett.md"


def _add_hyperlink(paragraph, url: str, text: str) -> None:
    """python-docx has no hyperlink API: add the relationship and the w:hyperlink element."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.append(underline)
    run.append(properties)
    text_element = OxmlElement("w:t")
    text_element.text = text
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def build_docx() -> bytes:
    """An NTB-style article as Word writes it: every construct the DOCX reader handles."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    # Norwegian as the document's proofing language (becomes en in the output).
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "nb-NO")
    rpr.append(lang)
    document.sections[0].header.paragraphs[0].text = "NTB Nyheter – innenriks"
    document.sections[0].footer.paragraphs[0].text = "Side for Norsk Telegrambyrå"
    document.add_heading("Regjeringen legger fram budsjettet", level=1)
    lead = document.add_paragraph("Finansministeren sa mandag at budsjettet er ")
    bold = lead.add_run("stramt")
    bold.bold = True
    lead.add_run(". Det er nødvendig, sa hun. Les mer på ")
    _add_hyperlink(lead, "https://www.regjeringen.no/budsjett?a=1&b=2", "regjeringen.no")
    lead.add_run(".")
    document.add_heading("Skole og helse får mer", level=2)
    document.add_paragraph("– Vi må prioritere skole og helse, sa statsministeren.", style="Quote")
    document.add_paragraph("Skolene får 12,5 milliarder kroner mer", style="List Bullet")
    document.add_paragraph("Sykehusene får nye penger til utstyr", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Post"
    table.cell(0, 1).text = "Beløp"
    table.cell(1, 0).text = "Skole"
    table.cell(1, 1).text = "12,5 milliarder"
    broken = document.add_paragraph("Første linje")
    broken.add_run().add_break()
    broken.add_run("andre linje i samme avsnitt.")
    document.add_paragraph("(©NTB)")
    out = BytesIO()
    document.save(out)
    return out.getvalue()
