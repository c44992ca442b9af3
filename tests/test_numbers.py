"""The number check accepts English-style rewrites and flags only real losses and changes."""

from __future__ import annotations

import pytest

from translate.faithful import missing_numbers

# (Norwegian source, English target, numbers reported missing)
KEPT = [
    ("Veksten var 12,5 prosent.", "Growth was 12.5 percent.", []),
    ("Veksten var 12,5 prosent.", "Growth was 12,5 percent.", []),
    ("Renten er 2,50 prosent.", "The rate is 2.5 per cent.", []),
    ("Det bor 1 234 567 mennesker der.", "1,234,567 people live there.", []),
    ("Det bor 1\u00a0234\u00a0567 mennesker der.", "1234567 people live there.", []),
    ("Det kom 15 000 mennesker.", "15,000 people came.", []),
    ("Budsjettet er på 2,5 milliarder kroner.", "The budget is 2.5 billion kroner.", []),
    ("Budsjettet er på 2,5 millioner kroner.", "The budget is 2,500,000 kroner.", []),
    ("Møtet starter kl. 14.30.", "The meeting starts at 2.30 pm.", []),
    ("Møtet starter kl. 14.30.", "The meeting starts at 2:30 p.m.", []),
    ("Møtet starter kl. 14.30.", "The meeting starts at 14:30.", []),
    ("Møtet starter kl. 14.30.", "The meeting starts at 14.30.", []),
    ("Møtet starter kl. 14.30.", "The meeting starts at 2:30.", []),
    ("Møtet starter kl. 09.30.", "The meeting starts at 9:30.", []),
    ("Møtet starter kl. 14.", "The meeting starts at 2 pm.", []),
    ("Flyet går 07:15.", "The plane leaves at 7.15 am.", []),
    ("Avtalen ble signert 24.11.2017.", "The agreement was signed on 24 November 2017.", []),
    ("Avtalen ble signert 24.11.2017.", "The agreement was signed on November 24, 2017.", []),
    ("Avtalen ble signert 24.11.2017.", "The agreement was signed on 2017-11-24.", []),
    ("Avtalen ble signert 24.11.2017.", "The agreement was signed on 24/11/2017.", []),
    ("Loven gjelder fra 1. januar.", "The law applies from January 1.", []),
    ("Loven gjelder fra 1. januar.", "The law applies from 1 January.", []),
    ("Loven gjelder fra 1. januar 2018.", "The law applies from January 1st, 2018.", []),
    ("Valget er 11. sept.", "The election is on 11 September.", []),
    ("Han ble nummer 3. i 2017.", "He came 3rd in 2017.", []),
    ("Det var 12 og 12 igjen.", "There were 12 and 12 left.", []),
    ("Se kapittel 3. Jan Egeland sa det.", "See chapter 3, Jan Egeland said it.", []),
    ("Han fikk 2 stemmer i mai.", "He got 2 votes in May.", []),
]
FLAGGED = [
    ("15 sivile, blant dem 7 barn, er drept.", "15 civilians have been killed.", ["7"]),
    ("Det var 12 og 12 igjen.", "There were 12 left.", ["12"]),
    ("Minst 26 sivile er drept.", "At least 25 civilians have been killed.", ["26"]),
    ("Veksten var 12,5 prosent.", "Growth was 125 percent.", ["12,5"]),
    ("Veksten var 12,5 prosent.", "Growth was 1.25 percent.", ["12,5"]),
    ("Det bor 1 234 567 mennesker der.", "1,234,576 people live there.", ["1 234 567"]),
    ("Møtet starter kl. 14.30.", "The meeting starts at 3.30 pm.", ["14.30"]),
    ("Møtet starter kl. 14.30.", "The meeting starts at 2.30 am.", ["14.30"]),
    ("Møtet starter kl. 14.30.", "The meeting starts in the afternoon.", ["14.30"]),
    ("Avtalen ble signert 24.11.2017.", "The agreement was signed on 24 November 2016.", ["24.11.2017"]),
    ("Avtalen ble signert 24.11.2017.", "The agreement was signed on 25 November 2017.", ["24.11.2017"]),
    ("Avtalen ble signert 24.11.2017.", "The agreement was signed in November 2017.", ["24.11.2017"]),
    ("Loven gjelder fra 1. januar.", "The law applies from February 1.", ["1. januar"]),
    ("Budsjettet er på 2,5 milliarder kroner.", "The budget is 25 billion kroner.", ["2,5"]),
]


@pytest.mark.parametrize("source, target, missing", KEPT + FLAGGED)
def test_numbers_are_compared_by_meaning(source, target, missing):
    assert missing_numbers(source, target) == missing
