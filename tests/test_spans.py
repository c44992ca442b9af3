"""Protected spans and glossary terms come out verbatim for any model, the rest translated."""

from __future__ import annotations

import pytest

from translate.backends import DecodingSettings, choose_backend, create_backend
from translate.errors import UsageError
from translate.faithful import Translation, translate_texts
from translate.glossary import Glossary, GlossaryError, load_glossary
from translate.models import resolve_model
from translate.spans import (
    FLAG_PROTECTED_FALLBACK,
    cache_key_part,
    find_spans,
    protected_items,
    translate_protected,
)

URL_SENTENCE = (
    "… hele dokumentet ligger på https://www.regjeringen.no/no/dokumenter/prop-1-s-20242025/id3056373/ "
    "for alle som vil lese det."
)


@pytest.mark.parametrize(
    "text, spans",
    [
        (URL_SENTENCE, [("url", "https://www.regjeringen.no/no/dokumenter/prop-1-s-20242025/id3056373/")]),
        ("Les mer på www.nrk.no.", [("url", "www.nrk.no")]),
        ("Se vg.no/nyheter (eller e24.no).", [("url", "vg.no/nyheter"), ("url", "e24.no")]),
        ("Kilde: https://en.wikipedia.org/wiki/Abu_Kamal_(city)).", [("url", "https://en.wikipedia.org/wiki/Abu_Kamal_(city)")]),
        ("Se «https://x.no/a?b=1&c=2#del».", [("url", "https://x.no/a?b=1&c=2#del")]),
        ("Tips oss på tips@ntb.no!", [("email", "tips@ntb.no")]),
        ("Skriv til ola.nordmann@nav.no eller @NTBnyheter.", [("email", "ola.nordmann@nav.no"), ("handle", "@NTBnyheter")]),
        ("Følg #valg2025 og #Stortinget.", [("hashtag", "#valg2025"), ("hashtag", "#Stortinget")]),
        # Template tags in prose (Hugo, Jinja, Liquid), a URL inside one staying part of it.
        ('Les {{< ref "https://nav.no/a" >}} og {{% notice %}} i dag.', [("template", '{{< ref "https://nav.no/a" >}}'), ("template", "{{% notice %}}")]),
        ("Hei {{ bruker.navn }}, du har {% if ny %}nye{% endif %} saker.", [("template", "{{ bruker.navn }}"), ("template", "{% if ny %}"), ("template", "{% endif %}")]),
        # Not spans: abbreviations, times, a missing space after a full stop, a number sign.
        ("Det gjelder bl.a. skatt, f.eks. moms, kl. 14.30 i Oslo.Han er nr. #1.", []),
    ],
)
def test_spans_are_found_without_the_sentence_punctuation(text, spans):
    assert [(p.kind, p.target) for p in find_spans(text)] == spans


# ------------------------------------------------------------------------ glossary


def write(tmp_path, text: str | bytes, name: str = "glossary.tsv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


GLOSSARY_TSV = """\
# Newsroom glossary: Norwegian<TAB>English
Stortinget\tthe Storting
NAV\tNAV

statsminister\tprime minister
Arbeiderpartiet\tthe Labour Party
Albu Kamal\tAbu Kamal
"""


def test_glossary_loads_and_matches_whole_words_longest_first(tmp_path):
    glossary = load_glossary(write(tmp_path, GLOSSARY_TSV))
    assert len(glossary) == 5
    text = "Statsminister Støre sa at Stortingets vedtak om NAVs budsjett og NAVet holder i Albu  Kamal."
    found = [(text[m.start : m.end], m.english) for m in glossary.find(text)]
    assert found == [
        ("Statsminister", "Prime minister"),  # lower-case entry, capital in the text
        ("Stortingets", "the Storting's"),  # the genitive is automatic
        ("NAVs", "NAV's"),
        ("Albu  Kamal", "Abu Kamal"),  # any whitespace inside a term
    ]  # NAVet: not a whole word
    assert glossary.terms_in(text) == [
        ("Albu Kamal", "Abu Kamal"), ("NAV", "NAV"), ("Stortinget", "the Storting"), ("statsminister", "prime minister")
    ]
    assert glossary.find("Nav og stortinget") == []  # case-sensitive as written


def test_glossary_identity_ignores_comments_and_order(tmp_path):
    a = load_glossary(write(tmp_path, GLOSSARY_TSV, "a.tsv"))
    b = load_glossary(write(tmp_path, "\n".join(reversed(GLOSSARY_TSV.splitlines()[1:])) + "\n# x\n", "b.tsv"))
    c = load_glossary(write(tmp_path, GLOSSARY_TSV + "Høyre\tthe Conservatives\n", "c.tsv"))
    assert a.identity == b.identity != c.identity
    # Only sentences containing the new entry see a different cache key part.
    assert cache_key_part("NAV betaler.", a) == cache_key_part("NAV betaler.", c)
    assert cache_key_part("Høyre taper.", a) != cache_key_part("Høyre taper.", c)
    assert cache_key_part("Hunden løper.", c) is None


@pytest.mark.parametrize(
    "content, line, message",
    [
        ("Stortinget\tthe Storting\nNAV NAV\n", 2, "no tab"),
        ("Stortinget\tthe Storting\n\tthe Storting\n", 2, "Norwegian term (before the tab) is empty"),
        ("# c\n\nStortinget\t  \n", 3, "English term (after the tab) is empty"),
        ("Stortinget\tthe Storting\nNAV\tNAV\nStortinget\tParliament\n", 3, "already 'the Storting' on line 1"),
        ("a\tb\tc\n", 1, "more than one tab"),
        ("NAV\tNAV\nH\xf8yre\tthe Conservatives\n".encode("latin-1"), 2, "not UTF-8"),
    ],
)
def test_bad_glossary_lines_name_file_and_line(tmp_path, content, line, message):
    path = write(tmp_path, content)
    with pytest.raises(GlossaryError) as raised:
        load_glossary(path)
    assert isinstance(raised.value, UsageError) and raised.value.exit_code == 2
    assert str(raised.value).startswith(f"{path}:{line}: ")
    assert message in str(raised.value)


def test_missing_glossary_file_is_a_usage_error(tmp_path):
    with pytest.raises(GlossaryError, match="no such glossary file") as raised:
        load_glossary(tmp_path / "nope.tsv")
    assert raised.value.exit_code == 2


def test_the_same_entry_twice_trailing_tabs_crlf_and_bom_are_fine(tmp_path):
    glossary = load_glossary(write(tmp_path, "\ufeffNAV\tNAV\r\nNAV\tNAV\t\t\r\n  # note\r\nHøyre\tthe Conservatives\n"))
    assert glossary.entries == {"NAV": "NAV", "Høyre": "the Conservatives"}


# ------------------------------------------------------- the mechanism, fake and real models


def test_natural_translation_is_kept_when_it_has_every_item():
    calls = []

    def copying_model(texts):
        calls.append(list(texts))
        return [Translation(f"EN {text}", []) for text in texts]

    glossary = Glossary({"Stortinget": "the Storting"})
    texts = ["Hunden løper.", "Les mer på www.nrk.no i dag.", "Stortinget vedtok det."]
    results = translate_protected(texts, glossary, copying_model)
    # One call with the natural inputs: terms already in English, spans in place.
    assert calls == [["Hunden løper.", "Les mer på www.nrk.no i dag.", "The Storting vedtok det."]]
    assert [r.flags for r in results] == [[], [], []]


def test_sentences_without_items_cost_nothing_extra():
    calls = []

    def model(texts):
        calls.append(list(texts))
        return [Translation("x", []) for _ in texts]

    texts = ["Hunden løper.", "Katten sover."]
    translate_protected(texts, Glossary({"NAV": "NAV"}), model)
    assert calls == [texts]


def test_fallback_cuts_at_items_and_keeps_mid_sentence_shape():
    def dropping_model(texts):  # translates everything, copies nothing
        return [Translation("The " + text.replace("www.nrk.no", "nrk").replace("the Storting", "parliament") + ".", [])
                for text in texts]

    glossary = Glossary({"Stortinget": "the Storting"})
    (result,) = translate_protected(["les mer på www.nrk.no om Stortinget"], glossary, dropping_model)
    assert FLAG_PROTECTED_FALLBACK in result.flags
    # Pieces lose the full stop and capital a mid-sentence piece does not have.
    assert result.target == "the les mer på www.nrk.no the om the Storting"


@pytest.fixture(scope="module")
def tiny_backend(tiny_marian_dir, tmp_path_factory):
    ref = resolve_model(str(tiny_marian_dir))
    return create_backend(
        ref, choose_backend("ctranslate2", "cpu"), DecodingSettings(beam_size=1),
        cache_dir=tmp_path_factory.mktemp("spans-cache"),
    )


SPAN_SENTENCES = {
    "url": (URL_SENTENCE, "https://www.regjeringen.no/no/dokumenter/prop-1-s-20242025/id3056373/"),
    "bare url": ("Hele saken kan leses på nrk.no/nyheter i morgen.", "nrk.no/nyheter"),
    "email": ("Tips kan sendes til tips@ntb.no hele døgnet.", "tips@ntb.no"),
    "handle": ("Statsministeren skrev på @jonasgahrstore at hun var enig.", "@jonasgahrstore"),
    "hashtag": ("Debatten om #skattefest fortsatte hele helgen.", "#skattefest"),
    "template": ('Søknaden sendes {{< ref "soknad.md" >}} innen fristen i mars.', '{{< ref "soknad.md" >}}'),
}


@pytest.mark.parametrize("kind", list(SPAN_SENTENCES))
def test_random_model_keeps_each_kind_of_span_and_translates_the_rest(tiny_backend, kind):
    text, span = SPAN_SENTENCES[kind]
    (result,) = translate_protected([text], Glossary({}), lambda t: translate_texts(tiny_backend, t, repair=False))
    assert span in result.target
    assert result.target.replace(span, "") != text.replace(span, "")
    assert FLAG_PROTECTED_FALLBACK in result.flags  # random weights copy nothing


def test_random_model_keeps_glossary_terms_and_translates_the_rest(tiny_backend):
    glossary = Glossary({"Stortinget": "the Storting", "NAV": "NAV", "statsminister": "prime minister"})
    texts = [
        "Stortinget vedtok budsjettet i går.",
        "Budsjettet for NAV ble vedtatt av Stortinget sent i går kveld.",
        "Hunden løper i parken.",
    ]
    results = translate_protected(texts, glossary, lambda t: translate_texts(tiny_backend, t, repair=False))
    first, second, plain = results
    assert first.target.startswith("The Storting ")  # sentence-initial: capital first letter
    assert "NAV" in second.target and "the Storting" in second.target
    for text, result in zip(texts[:2], results[:2]):
        rest = result.target.replace("The Storting", "").replace("the Storting", "").replace("NAV", "")
        assert rest.strip() and rest != text.replace("Stortinget", "").replace("NAV", "")
        assert FLAG_PROTECTED_FALLBACK in result.flags
    assert FLAG_PROTECTED_FALLBACK not in plain.flags
    # A sentence without items goes to the model as it is, in the same batch as the others.
    natural = ["The Storting vedtok budsjettet i går.", "Budsjettet for NAV ble vedtatt av the Storting sent i går kveld."]
    assert plain == translate_texts(tiny_backend, natural + texts[2:], repair=False)[2]


def test_items_found_are_in_order_and_never_overlap():
    glossary = Glossary({"nrk": "NRK", "Stortinget": "the Storting"})
    items = protected_items("Se www.nrk.no og #Stortinget, og Stortinget.", glossary)
    assert [(i.kind, i.target) for i in items] == [("url", "www.nrk.no"), ("hashtag", "#Stortinget"), ("term", "the Storting")]


@pytest.mark.parametrize(
    "output, repaired",
    [
        ("The whole document is at https://www.regjeringen.no/en/dokumenter/prop-1-s-20242025/id3056373/ for all.",
         "The whole document is at https://www.regjeringen.no/no/dokumenter/prop-1-s-20242025/id3056373/ for all."),
        ("Read more at www. nrk. no today, said the storting.", "Read more at www.nrk.no today, said the Storting."),
        ("the storting read www.nrk.no.", "The Storting read www.nrk.no."),
        ("(«the Storting» read www.nrk.no)", "(«the Storting» read www.nrk.no)"),
    ],
)
def test_near_misses_are_repaired_without_a_second_decode(output, repaired):
    from translate.spans import Protected, repair_near_misses

    targets = ["www.nrk.no", "the Storting", SPAN_SENTENCES["url"][1]]
    wanted = [Protected(0, 0, "x", t) for t in targets if t in repaired or t == "the Storting" and "Storting" in repaired]

    assert repair_near_misses(output, wanted) == repaired


def test_lost_items_are_not_guessed_at():
    from translate.spans import repair_near_misses

    items = protected_items("Les mer på www.nrk.no om Stortinget.", Glossary({"Stortinget": "the Storting"}))
    assert repair_near_misses("Read more at www.nrk.no about Parliament.", items) is None
    assert repair_near_misses("Read more about the Storting.", items) is None


def test_a_near_miss_is_flagged_repaired_and_costs_one_call():
    from translate.spans import FLAG_PROTECTED_REPAIRED

    calls = []

    def near_model(texts):
        calls.append(texts)
        return [Translation(t.replace("www.nrk.no", "www.NRK.no"), ["x"]) for t in texts]

    (result,) = translate_protected(["Les mer på www.nrk.no i dag."], Glossary({}), near_model)
    assert result.target == "Les mer på www.nrk.no i dag." and result.flags == ["x", FLAG_PROTECTED_REPAIRED]
    assert len(calls) == 1


from hypothesis import given, settings, strategies as st  # noqa: E402

_PIECES = ["Les mer på", "www.nrk.no", "eller", "tips@ntb.no", "om", "Stortinget", "og", "NAVs", "#valg",
           "@NTBnyheter", "i dag", ",", ".", "https://x.no/a_(b)", "(", ")", "Statsminister"]


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12), noise=st.text(max_size=30))
def test_every_item_survives_whatever_the_model_returns(words, noise):
    glossary = Glossary({"Stortinget": "the Storting", "NAV": "NAV", "statsminister": "prime minister"})
    text = " ".join(words)

    def model(texts):
        return [Translation(noise + str(len(t)), []) for t in texts]

    (result,) = translate_protected([text], glossary, model)
    for item in protected_items(text, glossary):
        assert item.target in result.target


def test_shipped_glossaries_load():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert len(load_glossary(root / "docs" / "glossary.example.tsv")) >= 10
    assert len(load_glossary(root / "bench" / "glossary-200.tsv")) == 200


def test_a_miss_translator_that_loses_results_fails_loudly():
    """One result per text, or a clear error: never an IndexError deep inside, never a shifted result."""
    from translate.faithful import Translation
    from translate.glossary import EMPTY
    from translate.spans import translate_protected

    def loses_one(texts):
        return [Translation(text.upper(), []) for text in texts[:-1]]

    with pytest.raises(RuntimeError, match="returned 1 results for 2 texts"):
        translate_protected(["Se https://nrk.no i dag.", "Hei på deg."], EMPTY, loses_one)


TEMPLATED_HTML = (
    '<html lang="nb"><body><p>Søknaden sendes {{% ref "soknad.md" %}} innen fristen i mars, '
    "skriver {{ .Site.Params.forfatter }} i dag.</p><p>Hei {% if ny %}ny leser{% endif %}, velkommen hit til oss.</p></body></html>"
)
TEMPLATED_NITF = (
    '<?xml version="1.0" encoding="UTF-8"?><nitf baselang="nb-NO"><body><body.content>'
    '<p>Søknaden sendes {{% ref "soknad.md" %}} innen fristen i mars, skriver redaksjonen.</p>'
    "</body.content></body></nitf>"
)


@pytest.mark.parametrize("label, data", [("page.html", TEMPLATED_HTML), ("wire.nitf.xml", TEMPLATED_NITF)])
def test_template_tags_in_any_format_come_out_exactly_whatever_the_model_does(tiny_marian_dir, tmp_path, label, data):
    """Hugo/Jinja/Liquid tags in HTML or NITF prose are protected items: a model that
    mangles braces still cannot touch them (issue 21: a site must build from the English)."""
    from translate.formats import write_document
    from translate.pipeline import Translator, translate_document
    from translate.settings import Settings

    settings = Settings(model=str(tiny_marian_dir), backend="transformers", cache_dir=tmp_path, use_cache=False)
    sent: list[str] = []

    def mangling(texts):
        sent.extend(texts)
        return [Translation(text.replace("{", "(").replace("}", ")").upper()) for text in texts]

    with Translator(settings, translate_misses=mangling) as translator:
        result = translate_document(data.encode("utf-8"), translator, label=label)
    out = write_document(result.document).decode("utf-8")
    tags = [tag for tag in ('{{% ref "soknad.md" %}}', "{{ .Site.Params.forfatter }}", "{% if ny %}", "{% endif %}") if tag in data]
    assert tags and sent
    for tag in tags:
        assert tag in out
    assert "SØKNADEN SENDES" in out  # the prose around them was translated
