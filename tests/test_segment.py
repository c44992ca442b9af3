"""Tests for translate.segment: Norwegian sentence splitting."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from translate.segment import SEGMENTER_VERSION, sentence_spans, split_sentences

DEV_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ud-nob-dev.paragraphs.jsonl"


def check_spans(text: str) -> list[tuple[int, int]]:
    """sentence_spans plus the contract: ordered, stripped, non-overlapping, covering."""
    spans = sentence_spans(text)
    prev_end = 0
    for start, end in spans:
        assert prev_end <= start < end <= len(text)
        assert text[prev_end:start].strip() == "", "non-space text left between spans"
        assert text[start:end] == text[start:end].strip(), "span not stripped"
        prev_end = end
    assert text[prev_end:].strip() == ""
    assert split_sentences(text) == [text[s:e] for s, e in spans]
    return spans


def assert_split(text: str, expected: list[str]) -> None:
    check_spans(text)
    assert split_sentences(text) == expected


# ------------------------------------------------------------------ API and edges


def test_module_imports_only_the_standard_library():
    import ast

    import translate.segment as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"__future__", "re"}


def test_version_is_a_nonempty_string():
    assert isinstance(SEGMENTER_VERSION, str) and SEGMENTER_VERSION


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t \n "])
def test_empty_and_whitespace_text(text):
    assert sentence_spans(text) == []
    assert split_sentences(text) == []


def test_single_sentence_without_final_punctuation():
    assert_split("Foto: NTB scanpix", ["Foto: NTB scanpix"])


def test_surrounding_whitespace_is_stripped():
    text = "  \n Han kom.   Hun gikk. \n\t "
    spans = check_spans(text)
    assert [text[s:e] for s, e in spans] == ["Han kom.", "Hun gikk."]
    assert spans[0][0] == 4


def test_spans_are_offsets_into_the_original_text():
    text = "Det regner.  Det blåser.\tDet snør."
    assert sentence_spans(text) == [(0, 11), (13, 24), (25, 34)]


def test_line_breaks_and_crlf_are_whitespace():
    assert_split("Han kom.\nHun gikk.", ["Han kom.", "Hun gikk."])
    assert_split("Han kom.\r\nHun gikk.\r\n", ["Han kom.", "Hun gikk."])
    assert_split("Det var en\nlang setning.", ["Det var en\nlang setning."])


def test_blank_line_always_ends_a_sentence():
    assert_split("Motangrep\n\nIS har tatt byen.", ["Motangrep", "IS har tatt byen."])
    assert_split("Motangrep\r\n\r\nIS har tatt byen.", ["Motangrep", "IS har tatt byen."])


def test_long_text_without_punctuation_is_one_fast_span():
    words = "ord og flere ord uten tegn "
    text = (words * (20_000 // len(words) + 1))[:20_000]
    t0 = time.perf_counter()
    spans = check_spans(text)
    assert time.perf_counter() - t0 < 1.0
    assert spans == [(0, len(text.rstrip()))]


@pytest.mark.parametrize("chunk", [".", ". ", "«", "« ", ".«", "- ", ". - "])
def test_pathological_punctuation_is_fast(chunk):
    text = "Start " + chunk * 5_000 + " slutt"
    t0 = time.perf_counter()
    check_spans(text)
    assert time.perf_counter() - t0 < 2.0


def test_unicode_letters_and_no_alnum_pieces():
    assert_split("Ærlig talt. Øyvind kom. Åse gikk.", ["Ærlig talt.", "Øyvind kom.", "Åse gikk."])
    assert_split("Slutt. ...", ["Slutt. ..."])  # no letters: not a sentence of its own
    assert_split("!!! ???", ["!!! ???"])


# ------------------------------------------------------------------- abbreviations

# Abbreviations that introduce something: they never end the sentence, even before a
# capital letter or a digit.
NON_FINAL_CASES = [
    "Flere partier, bl.a. Høyre og Frp, stemte mot forslaget.",
    "Store byer, f.eks. Oslo og Bergen, får mer penger.",
    "Det kom ca. 300 personer til møtet.",
    "Dette følger av loven, jf. Grunnloven § 100.",
    "Avtalen gjelder hele Norden, dvs. Norge, Sverige og Danmark.",
    "Møtet starter kl. 09.30 i Oslo.",
    "Han har drakt nr. 10 på laget.",
    "Saken er omtalt i St.meld. nr. 12 (2016–2017).",
    "Hun bor i Chr. Michelsens gate i Bergen.",
    "Boka er skrevet av prof. Nordmann ved UiO.",
    "Han ble undersøkt av dr. Hansen på sykehuset.",
    "Handelen falt pga. Brexit og svak krone.",
    "Det var kaldt, iflg. Meteorologisk institutt.",
    "Forslaget får støtte fra Ap og evt. Høyre i neste møte.",
    "Saken kan sendes til KrF eller ev. Venstre for uttalelse.",
    "Prisen er 500 kroner inkl. MVA og frakt.",
    "Prisen er 400 kroner ekskl. MVA og frakt.",
    "Han er kritisk mht. EU og EØS.",
    "Posisjonen ble funnet vha. GPS og radar.",
    "Utstillingen er åpen t.o.m. 31. desember.",
    "Regelen gjelder f.o.m. 1. januar.",
    "Det sier adm.dir. Kari Nordmann i Telenor.",
    "Nr. 1 på listen er Oslo.",
    "Dette gjelder d.v.s. Norge og Sverige.",
    "Les mer på s. 45 i rapporten.",
    "Han kommer ca. kl. 15 i dag.",
    "Det sier adm. dir. Kari Nordmann i Telenor.",
    "Studien ledes av prof. dr. med. Kari Nordmann ved UiO.",
    "Hun bor på St. Hanshaugen i Oslo.",
    "Flere land, bl. a. Norge, er med.",
    "Store byer, f. eks. Oslo, får mer.",
    "Han ble født i Bergen, f. 1950 og d. 2017 i Oslo.",
    "Ca. 300 personer kom, iflg. NTB og politiet.",
]


@pytest.mark.parametrize("sentence", NON_FINAL_CASES)
def test_non_final_abbreviations_do_not_split(sentence):
    assert_split(sentence + " Neste setning kommer her.", [sentence, "Neste setning kommer her."])


# Abbreviations that may end a sentence: split before a capital, not inside a sentence.
FINAL_CASES = [
    ("Vi kjøpte mat, drikke, servietter m.m. Festen kunne begynne.",
     ["Vi kjøpte mat, drikke, servietter m.m.", "Festen kunne begynne."]),
    ("Vi kjøpte mat, drikke m.m. til festen.", ["Vi kjøpte mat, drikke m.m. til festen."]),
    ("De solgte epler, pærer osv. Salget gikk bra.",
     ["De solgte epler, pærer osv.", "Salget gikk bra."]),
    ("De solgte epler, pærer osv. på torget.", ["De solgte epler, pærer osv. på torget."]),
    ("Loven gjelder fiske, fangst mv. Den trer i kraft straks.",
     ["Loven gjelder fiske, fangst mv.", "Den trer i kraft straks."]),
    ("Han tok med seg sekk, telt o.l. Turen tok tre dager.",
     ["Han tok med seg sekk, telt o.l.", "Turen tok tre dager."]),
    ("Han tok med seg sekk, telt o.l. på turen.", ["Han tok med seg sekk, telt o.l. på turen."]),
    ("Underskuddet er 12 mill. Det er mye.", ["Underskuddet er 12 mill.", "Det er mye."]),
    ("Underskuddet er 12 mill. kroner i år.", ["Underskuddet er 12 mill. kroner i år."]),
    ("Omsetningen var 12 mill. NOK i 2016.", ["Omsetningen var 12 mill. NOK i 2016."]),
    ("Fondet er verdt 8000 mrd. Det er rekord.", ["Fondet er verdt 8000 mrd.", "Det er rekord."]),
    ("Fondet er verdt 8000 mrd. kroner nå.", ["Fondet er verdt 8000 mrd. kroner nå."]),
    ("Billetten koster 150 kr. Barn går gratis.", ["Billetten koster 150 kr.", "Barn går gratis."]),
    ("Rommet koster 1500 kr. per natt.", ["Rommet koster 1500 kr. per natt."]),
    ("Børsen steg 1,5 pst. Oljeprisen falt.", ["Børsen steg 1,5 pst.", "Oljeprisen falt."]),
    ("Vi kjøpte mat, drikke m. m. Festen startet.", ["Vi kjøpte mat, drikke m. m.", "Festen startet."]),
    ("Han løp 100 m. Det tok 10 sek.", ["Han løp 100 m.", "Det tok 10 sek."]),
    ("Dette skjedde i 200 f.Kr. Senere kom romerne.",
     ["Dette skjedde i 200 f.Kr.", "Senere kom romerne."]),
    ("Han flyttet til Washington D.C. Der bodde han i ti år.",
     ["Han flyttet til Washington D.C.", "Der bodde han i ti år."]),
    ("Hun skrev i Nord-Norge, journ.anm. Ingen svarte.",
     ["Hun skrev i Nord-Norge, journ.anm.", "Ingen svarte."]),
]


@pytest.mark.parametrize(("text", "expected"), FINAL_CASES)
def test_abbreviations_that_can_end_a_sentence(text, expected):
    assert_split(text, expected)


MONTHS = ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "des"]


@pytest.mark.parametrize("month", MONTHS)
def test_month_abbreviations(month):
    # inside a date: no split before the year
    assert_split(f"Loven gjelder fra 1. {month}. 2017 i hele landet.",
                 [f"Loven gjelder fra 1. {month}. 2017 i hele landet."])
    # ending a sentence: split before a capital
    assert_split(f"Fristen er 15. {month}. Da må alt være klart.",
                 [f"Fristen er 15. {month}.", "Da må alt være klart."])


def test_month_range_with_dash_is_not_a_dialogue_dash():
    assert_split("Utstillingen er åpen 1. jan.–31. mar. Billetter koster 150 kr.",
                 ["Utstillingen er åpen 1. jan.–31. mar.", "Billetter koster 150 kr."])
    assert_split("Avtalen gjelder fra jan. – mars. Deretter forhandles det.",
                 ["Avtalen gjelder fra jan. – mars.", "Deretter forhandles det."])


def test_capitalised_name_jan_ends_a_sentence():
    assert_split("Prisen gikk til Jan. Han ble glad.", ["Prisen gikk til Jan.", "Han ble glad."])


def test_one_letter_words_are_not_abbreviations():
    assert_split("Det er regjeringen Høyre vil være med i. I stedet snakker hun om politikk.",
                 ["Det er regjeringen Høyre vil være med i.", "I stedet snakker hun om politikk."])


# ----------------------------------------------------------- times, dates, numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Møtet starter kl. 09.30. Det varer til kl. 15.",
         ["Møtet starter kl. 09.30.", "Det varer til kl. 15."]),
        ("Kampen starter kl. 18. Billettene er utsolgt.",
         ["Kampen starter kl. 18.", "Billettene er utsolgt."]),
        ("Lunsj serveres kl. 11.30–12.15 hver dag.", ["Lunsj serveres kl. 11.30–12.15 hver dag."]),
        ("Den 17. mai feires over hele landet. Barna går i tog.",
         ["Den 17. mai feires over hele landet.", "Barna går i tog."]),
        ("Hun kom på 3. plass. Det var hennes beste resultat.",
         ["Hun kom på 3. plass.", "Det var hennes beste resultat."]),
        ("Han scoret i det 89. minutt. Kampen endte 2–1.",
         ["Han scoret i det 89. minutt.", "Kampen endte 2–1."]),
        ("Loven trådte i kraft 1. januar 2017. Den gjelder alle.",
         ["Loven trådte i kraft 1. januar 2017.", "Den gjelder alle."]),
        ("NATO ønsket dem velkommen som sitt 27. og 28. medlemsland.",
         ["NATO ønsket dem velkommen som sitt 27. og 28. medlemsland."]),
        ("Hun er født 17. 5. 1980 i Bergen.", ["Hun er født 17. 5. 1980 i Bergen."]),
        ("Norge ble angrepet i 1940. I 1945 var krigen over.",
         ["Norge ble angrepet i 1940.", "I 1945 var krigen over."]),
        ("Forskriften er fra 1976. 11.3.2 Grunnlaget for reglene er loven.",
         ["Forskriften er fra 1976.", "11.3.2 Grunnlaget for reglene er loven."]),
        ("Veien er ikke lang. 75 år gamle Agnes venter.",
         ["Veien er ikke lang.", "75 år gamle Agnes venter."]),
        ("Kvinner i 2. verdenskrig. Det er temaet.",
         ["Kvinner i 2. verdenskrig.", "Det er temaet."]),
        ("Se kap. 3.2. Der står det mer.", ["Se kap. 3.2.", "Der står det mer."]),
    ],
)
def test_times_dates_and_ordinals(text, expected):
    assert_split(text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prisen steg 2.5 prosent. Det er mye.", ["Prisen steg 2.5 prosent.", "Det er mye."]),
        ("Prisen steg 3,5 prosent. Det er mye.", ["Prisen steg 3,5 prosent.", "Det er mye."]),
        ("Sluttprisen ble 187.500 euro. Det er rekord.",
         ["Sluttprisen ble 187.500 euro.", "Det er rekord."]),
        ("Temperaturen var -5,5 grader i går.", ["Temperaturen var -5,5 grader i går."]),
    ],
)
def test_decimal_numbers(text, expected):
    assert_split(text, expected)


# ----------------------------------------------------------- quotes and dialogue


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Det ble rene ord: «Han var et rovdyr. Det var grusomt å høre på.» Så gikk han.",
         ["Det ble rene ord: «Han var et rovdyr.", "Det var grusomt å høre på.»", "Så gikk han."]),
        ("«Vi vinner!» Det var hans siste ord.", ["«Vi vinner!»", "Det var hans siste ord."]),
        ("«Kommer du?» spurte hun. «Ja,» svarte han.",
         ["«Kommer du?» spurte hun.", "«Ja,» svarte han."]),
        ("« Nei! » skriver Espen på et ark.", ["« Nei! » skriver Espen på et ark."]),
        ("« Nei! » Espen skriver på et ark.", ["« Nei! »", "Espen skriver på et ark."]),
        ("Han sa det på NRK. «Vi må gjøre noe nå,» sa han.",
         ["Han sa det på NRK.", "«Vi må gjøre noe nå,» sa han."]),
        ('Jeg vil beholde fjellet!" Det går an.', ['Jeg vil beholde fjellet!"', "Det går an."]),
        ('Han skrev til faren. "Hei, legene har vært her."',
         ["Han skrev til faren.", '"Hei, legene har vært her."']),
        ("Hvorfor tittelen «Min kamp?» Ingen vet.", ["Hvorfor tittelen «Min kamp?»", "Ingen vet."]),
    ],
)
def test_quotes(text, expected):
    assert_split(text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("– Det er helt fantastisk, sier Hansen. – Vi har ventet lenge.",
         ["– Det er helt fantastisk, sier Hansen.", "– Vi har ventet lenge."]),
        ("Han svarte kort. - Nei.", ["Han svarte kort.", "- Nei."]),
        ("- Hva må du trene på da? spør pappa.", ["- Hva må du trene på da? spør pappa."]),
        ("Eller mamma. -Det gikk, nikker vi.", ["Eller mamma.", "-Det gikk, nikker vi."]),
        ("Jeg jobber bare med kvinner... - ... for meg har det vært fint.",
         ["Jeg jobber bare med kvinner...", "- ... for meg har det vært fint."]),
        ("Kampen endte 2–1. – Vi spilte godt, sier treneren.",
         ["Kampen endte 2–1.", "– Vi spilte godt, sier treneren."]),
        ("Han var klar og tydelig: - At de ikke skal drikke.",
         ["Han var klar og tydelig: - At de ikke skal drikke."]),
    ],
)
def test_dialogue_dash(text, expected):
    assert_split(text, expected)


# --------------------------------------------------- domains, initials, punctuation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Les mer på Aftenposten.no i dag.", ["Les mer på Aftenposten.no i dag."]),
        ("Saken er omtalt på vg.no. Den vekker debatt.",
         ["Saken er omtalt på vg.no.", "Den vekker debatt."]),
        ("Skriv til oss på nrk.no. 500 har allerede svart.",
         ["Skriv til oss på nrk.no.", "500 har allerede svart."]),
        ("Se www.regjeringen.no/nyheter for mer. Eller ring.",
         ["Se www.regjeringen.no/nyheter for mer.", "Eller ring."]),
        ("Send e-post til post@dnt.no. Vi svarer raskt.",
         ["Send e-post til post@dnt.no.", "Vi svarer raskt."]),
    ],
)
def test_domain_names(text, expected):
    assert_split(text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Finn E. Hansen ledet møtet. Han er fornøyd.",
         ["Finn E. Hansen ledet møtet.", "Han er fornøyd."]),
        ("Det sa politimester Rolf B. Wegner senere.", ["Det sa politimester Rolf B. Wegner senere."]),
        ("E. Hansen er min bror. Han bor i Oslo.", ["E. Hansen er min bror.", "Han bor i Oslo."]),
        ("Boka er av J. R. R. Tolkien. Den er lang.", ["Boka er av J. R. R. Tolkien.", "Den er lang."]),
        ("Jeg heter Per. E. Hansen er min bror.", ["Jeg heter Per.", "E. Hansen er min bror."]),
        ("Han fikk karakteren A. Det var bra.", ["Han fikk karakteren A.", "Det var bra."]),
    ],
)
def test_initials(text, expected):
    assert_split(text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hvorfor det? Ingen vet. Kanskje i morgen!",
         ["Hvorfor det?", "Ingen vet.", "Kanskje i morgen!"]),
        ("Men hvorfor?! Det vet ingen.", ["Men hvorfor?!", "Det vet ingen."]),
        ("Nå ble jeg glad! jubler Bjørn.", ["Nå ble jeg glad! jubler Bjørn."]),
        ("Hva nå? 20 år senere vet vi mer.", ["Hva nå?", "20 år senere vet vi mer."]),
        ("Han tenkte seg om … Så gikk han.", ["Han tenkte seg om …", "Så gikk han."]),
        ("Han tenkte seg om... Så gikk han.", ["Han tenkte seg om...", "Så gikk han."]),
        ("Lite kan stoppe deg ... når vi spør.", ["Lite kan stoppe deg ... når vi spør."]),
        ("Jeg kan bli helt sånn ... gurimalla ... jeg er glad.",
         ["Jeg kan bli helt sånn ... gurimalla ... jeg er glad."]),
        ("«...han behandler dem som dyr», sa hun.", ["«...han behandler dem som dyr», sa hun."]),
        ("Dette er (...) Norges beste lag. Ingen tvil.",
         ["Dette er (...) Norges beste lag.", "Ingen tvil."]),
        ("Han var et offer(!). Offeret fikk snakke.", ["Han var et offer(!).", "Offeret fikk snakke."]),
        ("Han var (?) glad. Eller?", ["Han var (?) glad.", "Eller?"]),
        ("De kan komme ut av skapet. (...). I det siste har jeg snakket med dem.",
         ["De kan komme ut av skapet. (...).", "I det siste har jeg snakket med dem."]),
        ("Det sier politimester Hansen. (©NTB)", ["Det sier politimester Hansen.", "(©NTB)"]),
        ("Han kjøpte en telefon. iPhone er populær.", ["Han kjøpte en telefon.", "iPhone er populær."]),
        ("Ordfører Hansen (Ap.) var uenig. Hun stemte mot.",
         ["Ordfører Hansen (Ap.) var uenig.", "Hun stemte mot."]),
        ("Regnskapet er klart (jf. note 7). Resultatet ble bra.",
         ["Regnskapet er klart (jf. note 7).", "Resultatet ble bra."]),
        ("Kilde: SSB. Tallene gjelder 2016.", ["Kilde: SSB.", "Tallene gjelder 2016."]),
        ("Han var i USA. Nå er han hjemme.", ["Han var i USA.", "Nå er han hjemme."]),
    ],
)
def test_question_exclamation_ellipsis_and_brackets(text, expected):
    assert_split(text, expected)


def test_numbered_list_items_are_not_sentences_of_their_own():
    assert_split("Punkter:\n1. Første punkt.\n2. Andre punkt. 3. Tredje punkt.",
                 ["Punkter:\n1. Første punkt.", "2. Andre punkt.", "3. Tredje punkt."])
    assert_split("Hun vant. 2. plass gikk til Per.", ["Hun vant.", "2. plass gikk til Per."])
    assert_split("Han ble nr. 2. Det var bra.", ["Han ble nr. 2.", "Det var bra."])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Han møtte sin eks. Hun var glad.", ["Han møtte sin eks.", "Hun var glad."]),
        ("Forskerne fant et nytt gen. Det styrer veksten.",
         ["Forskerne fant et nytt gen.", "Det styrer veksten."]),
        ("Prisen på el. Den har steget.", ["Prisen på el.", "Den har steget."]),
        ("Det vet man. 20 personer var der.", ["Det vet man.", "20 personer var der."]),
        ("Det var alt. Så gikk han.", ["Det var alt.", "Så gikk han."]),
        ("Flaska er tom. Han gikk.", ["Flaska er tom.", "Han gikk."]),
        ("Dette er feil (red.) Neste sak kommer.", ["Dette er feil (red.)", "Neste sak kommer."]),
        ("Ansv. red. Kari Nordmann skriver om saken.", ["Ansv. red. Kari Nordmann skriver om saken."]),
        ("Tidl. statsminister Kåre Willoch var der.", ["Tidl. statsminister Kåre Willoch var der."]),
        ("Han bor i Kongens gt. 5 i Oslo.", ["Han bor i Kongens gt. 5 i Oslo."]),
    ],
)
def test_words_that_look_like_abbreviations(text, expected):
    assert_split(text, expected)


def test_leading_punctuation_piece_joins_the_next_sentence():
    assert_split(". Hei. Du.", [". Hei.", "Du."])
    assert_split("... » Hei.", ["... » Hei."])


def test_colon_does_not_split():
    assert_split("For det første: Hensynet til verdiskaping. For det andre: Valgfrihet.",
                 ["For det første: Hensynet til verdiskaping.", "For det andre: Valgfrihet."])


# ------------------------------------------------------------- unseen news text

NEWS_GOLD = [
    "Statsminister Erna Solberg (H) la fredag kl. 10.30 fram St.meld. nr. 12 (2016–2017), "
    "bl.a. med forslag om ca. 2,5 mrd. kroner til nye sykehus.",
    "Ifølge NTB skal pengene fordeles over fire år, dvs. fra 1. jan. 2018 t.o.m. 31. des. 2021.",
    "Adm.dir. Kari H. Nordmann i Helse Sør-Øst sier til Aftenposten.no at planen er "
    "«et skritt i riktig retning».",
    "– Vi trenger penger til bygg, utstyr, IKT o.l.",
    "Det haster, sier Nordmann.",
    "Prosjektet i Chr. Michelsens gate 3 vil iflg. prof. Per Olsen ved UiO koste over 800 mill. kroner.",
    "Olsen viser til s. 45 i rapporten, jf. kap. 4.2.",
    "Der står det bl.a. at byggingen evt. kan starte i 2019, dvs. etter valget.",
    "Forsinkelsen skyldes flere forhold, f.eks. mangel på fagfolk, høye priser mv.",
    "Tidligere helseminister dr. Bent Høie kom på 3. plass på en måling i mars.",
    "Den 17. mai i fjor ble han hyllet av ca. 40 000 mennesker i Bergen.",
    "Kan regjeringen levere?",
    "Opposisjonen tviler!",
    "Ap har krevd svar innen kl. 12 mandag pga. de store beløpene, inkl. utstyr o.l.",
    "Totalt dreier det seg om 4,5 mrd. NOK over fire år, ekskl. mva.",
    "«Dette er et godt budsjett.",
    "Vi er fornøyd,» sa Finn E. Hansen (Frp) til vg.no.",
    "Debatten i Stortinget starter 5. febr. kl. 09.00.",
    "Les hele saken på nrk.no.",
]


# Two more hand-written paragraphs in NTB style, written after the rules were.
NEWS_GOLD_CRIME = [
    "OSLO (NTB): Politiet rykket ut til Kongens gt. 5 i Oslo sentrum natt til lørdag ca. kl. 02.15.",
    "Ifølge operasjonsleder Tor E. Berg ble en mann i 30-årene funnet bevisstløs i 3. etasje.",
    "– Vi fikk melding fra en nabo, sier Berg til NTB.",
    "– Mannen er sendt til Oslo universitetssykehus, Ullevål.",
    "Hans tilstand er ikke kjent.",
    "Politiet har bl.a. avhørt to vitner, jf. pressemeldingen som ble sendt ut i går.",
    "Saken minner om en lignende hendelse 14. feb. i fjor, da en kvinne ble skadd i samme gate.",
    "Ifølge Dagbladet.no skjedde det også noe lignende i 2015.",
    "20 personer ble da avhørt.",
    "Politiadvokat Kari Nordmann sier at etterforskningen vil pågå i flere uker, evt. måneder.",
    "Hun viser til straffeloven § 271, jf. § 272 annet ledd.",
    "Det er for tidlig å si noe om motivet, dvs. om det var et ran, en krangel e.l.",
    "Naboene er redde.",
    "«Jeg tør ikke gå ut om kvelden lenger.",
    "Det har skjedd altfor mye her,» sier Ola Hansen (54).",
    "Han har bodd i gata i 20 år, og har betalt ca. 4,5 mill. kr. for leiligheten.",
    "Hvorfor skjer dette?",
    "Ingen vet.",
    "Politiet ber alle som har opplysninger om å ringe tlf. 02800.",
    "Tips kan også sendes til politiet.no.",
    "(©NTB)",
]


NEWS_GOLD_BUDGET = [
    "Regjeringen vil bruke ca. 12 mrd. kr. på samferdsel i 2018, iflg. statsbudsjettet.",
    "Pengene skal gå til vei, jernbane, havner mv.",
    "Samferdselsminister Ketil Solvik-Olsen (Frp) legger fram planen kl. 11.00 i dag.",
    "Den omfatter bl.a. E39, E6 og Dovrebanen.",
    "Ifølge dokumentet skal arbeidet starte f.o.m. 1. mars og vare t.o.m. 2023.",
    "Det gjelder også prosjekter som er omtalt i St.meld. nr. 33, jf. s. 112–115.",
    "NHO-sjef Kristin Skogen Lund er fornøyd.",
    "– Dette er bra for næringslivet, f.eks. for eksportbedriftene på Vestlandet.",
    "Vi har ventet lenge på dette, sier hun.",
    "Men ikke alle er enige.",
    "Naturvernforbundet mener pengene heller burde gått til kollektivtrafikk, sykkelveier o.l.",
    "Leder Silje Ask Lundberg viser til at utslippene økte med 2,3 pst. i fjor.",
    "Hun mener regjeringen bryter Parisavtalen, dvs. Norges internasjonale forpliktelser.",
    "Adm.dir. i Statens vegvesen, Terje Moe Gustavsen, avviser kritikken.",
    "Han påpeker at ca. 40 pst. av midlene går til vedlikehold, inkl. tunneler og bruer.",
    "Budsjettet behandles i Stortinget i nov. og vedtas innen 15. des.",
    "Da vil det også bli klart hvor mye som går til Nord-Norge, evt. til nye flyplasser.",
    "Se hele planen på regjeringen.no.",
    "Prof. Anne Borg ved NTNU kaller planen «et løft.»",
    "Hun har skrevet flere rapporter om temaet, bl.a. for Forskningsrådet.",
    "Den siste, fra sept. 2016, finnes på s. 4 i vedlegget.",
    "Kampen om pengene starter nå!",
]


NEWS_PARAGRAPHS = [NEWS_GOLD, NEWS_GOLD_CRIME, NEWS_GOLD_BUDGET]


def test_unseen_news_paragraph_is_split_perfectly():
    text = " ".join(NEWS_GOLD)
    assert_split(text, NEWS_GOLD)


@pytest.mark.parametrize("gold", NEWS_PARAGRAPHS, ids=["health", "crime", "budget"])
def test_unseen_news_paragraphs(gold):
    assert_split(" ".join(gold), gold)
    assert_split("\n".join(gold), gold)


# ------------------------------------------------------------------ properties


PROPERTY_TEXTS = [
    "Han kom. Hun gikk.",
    "  «Hei!»  – Hallo.  ",
    "kl. 09.30 ... (...) «» – - ?! . . .",
    "\n\nOverskrift\n\nIngress her. Og mer.\n\n– Sitat. (©NTB)\n",
    ". ! ? … »",
    "a. b. c. d. E. F. G.",
]


@pytest.mark.parametrize("text", PROPERTY_TEXTS + [" ".join(NEWS_GOLD)])
def test_spans_cover_every_non_space_character(text):
    spans = check_spans(text)
    covered = "".join(text[s:e] for s, e in spans)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)


def test_spans_contract_on_random_punctuation_heavy_text():
    import random

    pieces = list("aB1 .!?…»«\"'()[]-–\n\t:,eÆø") + ["kl.", "bl.a.", " Per", "... ", "(...)", "E. ", "17. "]
    rng = random.Random(1234)
    for _ in range(3000):
        check_spans("".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))))


def test_property_on_dev_data_paragraphs():
    if not DEV_DATA.exists():
        pytest.skip(f"dev data not found: {DEV_DATA}")
    for line in DEV_DATA.read_text(encoding="utf-8").splitlines():
        text = " ".join(json.loads(line)["sents"])
        check_spans(text)
        check_spans(text.replace(" ", "\n"))


# -------------------------------------------------------------- dev-set accuracy


def _score(paragraphs: list[list[str]]) -> tuple[float, float, float]:
    tp = n_pred = n_gold = 0
    for sents in paragraphs:
        text = " ".join(sents)
        gold, pos = set(), 0
        for s in sents:
            gold.add((pos, pos + len(s)))
            pos += len(s) + 1
        pred = set(sentence_spans(text))
        tp += len(gold & pred)
        n_pred += len(pred)
        n_gold += len(gold)
    p, r = tp / n_pred, tp / n_gold
    return p, r, 2 * p * r / (p + r)


def test_dev_set_precision_and_f1():
    if not DEV_DATA.exists():
        pytest.skip(f"dev data not found: {DEV_DATA}")
    paragraphs = [json.loads(line)["sents"] for line in DEV_DATA.read_text(encoding="utf-8").splitlines()]
    t0 = time.perf_counter()
    precision, recall, f1 = _score(paragraphs)
    assert time.perf_counter() - t0 < 1.0
    assert precision >= 0.995, (precision, recall, f1)
    assert f1 >= 0.995, (precision, recall, f1)
