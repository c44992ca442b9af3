"""``nb2en models check``: translate fixed sentences and look for expected English words.

tc-big OPUS-MT models have produced fluent-looking garbage after a transformers upgrade
(transformers#26216, #26271); this catches that before a night's batch is wasted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from translate.faithful import translate_texts

# (Norwegian sentence, groups of acceptable English words; every group must match)
CHECK_SENTENCES = [
    ("Det regner i Oslo i dag.", [("oslo",), ("rain", "raining", "rains")]),
    ("Hunden løper i parken.", [("dog",), ("park",)]),
    ("Regjeringen legger fram statsbudsjettet i morgen.", [("government",), ("budget",)]),
    ("Prisene steg med 15 prosent i fjor.", [("15",), ("percent", "per cent", "%")]),
    ("Jeg liker å lese bøker om historie.", [("book", "books"), ("history",)]),
    ("Statsministeren besøkte sykehuset i Bergen.", [("prime minister",), ("hospital",), ("bergen",)]),
]
PASS_FRACTION = 0.8


@dataclass
class CheckResult:
    source: str
    target: str
    missing: list[str]


@dataclass
class CheckReport:
    model_id: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed_count(self) -> int:
        return sum(1 for r in self.results if not r.missing)

    @property
    def passed(self) -> bool:
        return self.passed_count >= PASS_FRACTION * len(self.results)

    def lines(self) -> list[str]:
        out = []
        for r in self.results:
            mark = "ok  " if not r.missing else "FAIL"
            out.append(f"{mark} {r.source} -> {r.target}")
        out.append(f"{self.passed_count}/{len(self.results)} sentences as expected.")
        return out

    def failure_message(self) -> str:
        worst = next(r for r in self.results if r.missing)
        return (
            f"Model {self.model_id} failed the check: {self.passed_count} of {len(self.results)} test sentences "
            f"translated as expected (e.g. '{worst.source}' gave '{worst.target[:80]}', missing {', '.join(worst.missing)}). "
            "Do not trust its output; re-download it with `nb2en models download` or try another transformers version."
        )


def run_model_check(translator) -> CheckReport:
    """Translate the check sentences uncached and compare with expected key words."""
    sources = [source for source, _ in CHECK_SENTENCES]
    translations = translate_texts(translator.backend, sources)
    report = CheckReport(translator.model_ref.id)
    for (source, groups), translation in zip(CHECK_SENTENCES, translations):
        lowered = translation.target.lower()
        missing = [group[0] for group in groups if not any(word in lowered for word in group)]
        report.results.append(CheckResult(source, translation.target, missing))
    return report
