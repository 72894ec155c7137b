"""builder.suggest: attribution patterns, date forms and bad input, one table each, each case
drafted through the pipeline's own read → clean → anchor steps (builder.run.drafting.suggest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.core import edtf
from builder.run import drafting
from builder.run.executor import InProcess
from builder.suggest.dateline import dateline
from builder.suggest.dates import find_dates
from builder.suggest.records import Drafted

ENTITIES = """people:
  ruth-okafor: {name: Ruth Okafor, aliases: [Okafor], description: Mayor.}
  tomas-brennan: {name: Tomas Brennan, aliases: [Brennan], description: Councillor.}
  hannah-vries: {name: Hannah Vries, aliases: ["the company's spokeswoman"], description: Spokeswoman.}
organizations:
  northsea-lines: {name: Northsea Lines, description: Ferry operator.}
"""


def drafted(tmp_path: Path, text: str, published: str = "2024-05-28", entities: str = ENTITIES,
            sidecar: str | None = None) -> Drafted:
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "annotations").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "INDEX.md").write_text(
        f"# T\n\n| id | file | title | published |\n| --- | --- | --- | --- |\n| d | d.txt | D | {published} |\n", "utf-8")
    (tmp_path / "seeds" / "d.txt").write_text(text, "utf-8")
    (tmp_path / "annotations" / "entities.yaml").write_text(entities, "utf-8")
    if sidecar is not None:
        (tmp_path / "annotations" / "d.yaml").write_text(sidecar, "utf-8")
    prepared, found = drafting.suggest(tmp_path, executor=InProcess())
    assert not [d for d in prepared.diagnostics if d.severity == "error"], prepared.diagnostics
    return found[0]


def quotes(d: Drafted, threshold: float = 0.5) -> list[tuple[str, str | None]]:
    return [(q.selector.text, q.speaker) for q in d.quotes if q.confidence >= threshold]


ATTRIBUTIONS = [
    ("X said, after", 'Ruth Okafor arrived. "We are ready," Okafor said.', [("We are ready", "ruth-okafor")]),
    ("said X", '"We are ready," said Tomas Brennan.', [("We are ready", "tomas-brennan")]),
    ("X told", '"The numbers do not add up," Brennan told reporters.', [("The numbers do not add up", "tomas-brennan")]),
    ("according to X", 'The ferry would "actively serve the town," according to Ruth Okafor.',
     [("actively serve the town", "ruth-okafor")]),
    ("X added: before", 'Brennan spoke first. He added: "Twenty years is a long time."',
     [("Twenty years is a long time.", "tomas-brennan")]),
    ("colon after a name", 'Okafor: "Nothing about this is quiet."', [("Nothing about this is quiet.", "ruth-okafor")]),
    ("split by its attribution", '"We are ready," she said, "to talk." Ruth Okafor left.\n\nRuth Okafor came back. '
     '"We are ready," she said, "to talk."', [("We are ready", "ruth-okafor"), ("to talk.", "ruth-okafor")]),
    ("pronoun to the last person named", 'Tomas Brennan voted no.\n\n"It will cost too much," he said.',
     [("It will cost too much", "tomas-brennan")]),
    ("he added, after a quote by another", 'Okafor spoke. "Yes," she said.\n\nTomas Brennan disagreed.\n\n'
     '"No, never, not at all," he added.', [("No, never, not at all", "tomas-brennan")]),
    ("role phrase that is an alias", '"We are ready," the company\'s spokeswoman said.', [("We are ready", "hannah-vries")]),
    ("role phrase read as the last person", 'Ruth Okafor spoke.\n\n"It is done," the mayor added.',
     [("It is done", "ruth-okafor")]),
    ("single inside double", '"They told us \'wait\' and we waited," said Ruth Okafor.',
     [("They told us 'wait' and we waited", "ruth-okafor")]),
    ("curly marks", "“We are ready,” Okafor said.", [("We are ready", "ruth-okafor")]),
    ("single marks, British style", "'We lost everything on the ground floor,' said Ruth Okafor. 'Everyone’s shop "
     "flooded.'", [("We lost everything on the ground floor", "ruth-okafor"), ("Everyone’s shop flooded.", "ruth-okafor")]),
    ("multi-paragraph quotation", '"We said then the walls were weak," Okafor said. "I will not pretend.\n\n'
     '"What matters is getting people dry."', [("We said then the walls were weak", "ruth-okafor"),
                                               ("I will not pretend.", "ruth-okafor"),
                                               ("What matters is getting people dry.", "ruth-okafor")]),
    ("unknown speaker, proposed", '"It will bring traffic," said Margaret Lowe.',
     [("It will bring traffic", "margaret-lowe")]),
    ("partial quote in reported speech", 'Tomas Brennan said the plan would "double the cost to residents."',
     [("double the cost to residents.", "tomas-brennan")]),
    ("scare quotes are not proposed", 'The so-called "Harbour Plan" was revised. The "experts" agreed.', []),
    ("a title after its noun and a comma is not speech", 'Tomas Brennan called it "a betrayal" and left. The board\'s '
     'own review, "Safe Births, Closer to Home", promised the opposite.', [("a betrayal", "tomas-brennan")]),
    ("a quote that ends its sentence inside the marks", 'Ruth Okafor said the ferry would "bring life back." Her '
     'neighbour, Tomas Brennan, disagreed: "It will bring traffic."',
     [("bring life back.", "ruth-okafor"), ("It will bring traffic.", "tomas-brennan")]),
    ("attributed by the next sentence: that's according to", 'The council has "good relations" with the port. '
     'That\'s according to its spokeswoman, who spoke on Tuesday.\n\nHannah Vries said more.',
     [("good relations", "hannah-vries")]),
    ("a role opening the sentence, named in the next paragraph", 'A federal judge struck down the rules, ruling that '
     'they were "vague to the point of meaninglessness."\n\nJudge Ruth Okafor wrote that the rules were unclear.',
     [("vague to the point of meaninglessness.", "ruth-okafor")]),
    ("two words in reported speech, the verb further back", 'Tomas Brennan wrote in his decision on Thursday that the '
     'rules, which took effect in January, gave inspectors "unlimited discretion" over fines.',
     [("unlimited discretion", "tomas-brennan")]),
]


@pytest.mark.parametrize("name,text,expected", ATTRIBUTIONS, ids=[a[0] for a in ATTRIBUTIONS])
def test_attribution(tmp_path: Path, name: str, text: str, expected: list[tuple[str, str]]) -> None:
    got = quotes(drafted(tmp_path, text))
    assert [g for g in got if g in expected or g[0] in dict(expected)] == expected, got
    assert len(got) == len(expected), got


def test_an_unknown_speaker_becomes_a_proposed_entity_with_its_passage(tmp_path: Path) -> None:
    d = drafted(tmp_path, '"It will bring traffic," said Margaret Lowe. Lowe left.')
    lowe = next(e for e in d.entities if e.id == "margaret-lowe")
    assert lowe.kind == "person" and lowe.name == "Margaret Lowe" and lowe.confidence >= 0.8
    assert [p.text for p in lowe.passages] == ["Margaret Lowe", "Lowe"]


def test_every_suggestion_explains_itself_and_anchors_where_it_was_found(tmp_path: Path) -> None:
    d = drafted(tmp_path, '"Yes," said Ruth Okafor on Monday.\n\n"Yes," said Tomas Brennan on Monday.')
    assert all(s.why for s in (*d.quotes, *d.dates))
    second = [q for q in d.quotes if q.speaker == "tomas-brennan"][0]
    assert second.selector.text == "Yes" and (second.selector.prefix or second.selector.occurrence == 2)


def test_passages_already_annotated_are_not_proposed_again(tmp_path: Path) -> None:
    text = '"We are ready," Okafor said on Monday. "So are we," Brennan said on Friday.'
    d = drafted(tmp_path, text, sidecar='quotes:\n  - {text: "We are ready", speaker: ruth-okafor}\n'
                                        'dates:\n  - {text: "on Monday", date: "2024-05-27"}\n')
    assert quotes(d) == [("So are we", "tomas-brennan")]
    assert [x.selector.text for x in d.dates] == ["on Friday"]


DATES = [   # (published, text, expression, EDTF)
    ("2024-05-28", "said on Tuesday", "on Tuesday", "2024-05-28"),
    ("2024-05-28", "said on Monday", "on Monday", "2024-05-27"),
    ("2024-05-28", "Earlier on Monday, he spoke", "Earlier on Monday", "2024-05-27"),
    ("2024-05-28", "they will meet on Thursday", "on Thursday", "2024-05-30"),
    ("2024-05-28", "met last Tuesday", "last Tuesday", "2024-05-21"),
    ("2024-05-28", "meets next Monday", "next Monday", "2024-06-03"),
    ("2024-05-28", "arrived yesterday", "yesterday", "2024-05-27"),
    ("2024-05-28", "said today", "today", "2024-05-28"),
    ("2024-05-28", "spoke last week", "last week", "2024-05-20/2024-05-26"),
    ("2024-05-28", "rose earlier this month", "earlier this month", "2024-05-01/2024-05-28"),
    ("2024-05-28", "fell last month", "last month", "2024-04"),
    ("2024-05-28", "in 2019 it began", "in 2019", "2019"),
    ("2024-05-28", "from 2015 to 2018 it ran", "from 2015 to 2018", "2015/2018"),
    ("2024-05-28", "since 2003 it has", "since 2003", "2003/.."),
    ("2024-05-28", "on 3 March 2022 it", "on 3 March 2022", "2022-03-03"),
    ("2024-05-28", "on March 3, 2022, it", "on March 3, 2022", "2022-03-03"),
    ("2024-05-28", "in March 2019 it", "in March 2019", "2019-03"),
    ("2024-05-28", "On August 15 they", "On August 15", "2023-08-15"),
    ("2024-05-28", "is due on June 3", "on June 3", "2024-06-03"),
    ("2024-05-28", "in the 1990s", "in the 1990s", "199X"),
    ("2024-05-28", "At the beginning of the 21st century", "At the beginning of the 21st century", "200X"),
    ("2024-05-28", "two days ago", "two days ago", "2024-05-26"),
    ("2024-05-28", "On Monday it flooded. Two days later it rained", "Two days later", "2024-05-29"),
    ("2021-08-24~", "claimed on Tuesday", "on Tuesday", "2021-08-24~"),
    ("2021-08-24~", "said last week", "last week", "2021-08-16~/2021-08-22~"),
    ("2019-06", "wrote on Thursday", "on Thursday", "2019-06"),
    ("2019-06", "last year", "last year", "2018"),
    ("2017?", "On Wednesday, NATO", "On Wednesday", "2017?"),
    ("2024-05-28", '"Now everything is different," he said.', "Now", "2024-05-28"),
    ("2024-05-28", 'It fell. Now, it rises.', "Now", "2024-05-28"),
    ("2024-05-28", 'He added: "Twenty years is a long period."', "Twenty years", "2004~/2024-05-28"),
    ("2023-10-12", "who has worked on the ward for 19 years.", "for 19 years", "2004~/2023-10-12"),
    ("2025-02-06", "the second refusal in three years.", "in three years", "2022~/2025-02-06"),
    ("2024-09", "the survey would continue for another five years", "for another five years", "2024-09/2029~"),
    ("2021-08-24~", "Invaded in 1979, it fought a nine-year war.", "nine-year", "1979/1988"),
    ("2021-08-24~", "On August 15, the movement declared victory. Putin spoke on Monday. On the day after the "
     "movement declared victory, the envoy spoke.", "On the day after the movement declared victory", "2021-08-16~"),
    ("2025-02-06", 'They met yesterday morning. He read: "Today we can stop."', "Today", "2025-02-05"),
    ("2025-02-06", "The company has until March 6 to lodge it.", "until March 6", "2025-03-06"),
    ("2025-02-06", "It would secure 120 jobs until 2040.", "until 2040", "2025-02-06/2040"),
    ("2023-11-07", "Employees will be told by Friday whether", "by Friday", "2023-11-10"),
    ("2024-03-14", "It began in March 2019. Two years later the plans", "Two years later", "2021-03"),
    ("2022-07-19~", "more rain than in the whole of June.", "of June", "2022-06~"),
]


@pytest.mark.parametrize("published,text,expression,value", DATES, ids=[f"{d[0]} {d[2]}" for d in DATES])
def test_date_form(published: str, text: str, expression: str, value: str) -> None:
    found, _ = find_dates(text, dateline(edtf.parse(published)))
    got = {text[f.start:f.end]: f.value for f in found}
    assert got.get(expression) == value, got
    assert all(f.why for f in found)


NOT_DATES = [   # (text, words that are no date expression)
    ("She is 68 years old.", "68 years"),
    ("The pylon will now stay.", "now"),
    ("He has been in the job for years.", "years"),
    ("He was jailed for ten years.", "ten years"),
    ("Women aged 40 years and over.", "40 years"),
    ('"Today we can stop," he said in 1998.', "Today"),      # a day named long before the dateline: not its anchor
]


@pytest.mark.parametrize("text,words", NOT_DATES, ids=[n[1] for n in NOT_DATES])
def test_not_a_date(text: str, words: str) -> None:
    found, _ = find_dates(text, dateline(edtf.parse("2024-05-28")))
    at = text.index(words)
    assert not [f for f in found if f.start <= at < f.end and f.value != "2024-05-28"], found


def test_the_reasoning_names_the_dateline_and_its_weekday() -> None:
    found, _ = find_dates("said on Tuesday", dateline(edtf.parse("2024-05-28")))
    assert found[0].why == "Tuesday before 2024-05-28 (a Tuesday): the same day"


def test_relative_dates_without_a_dateline_are_left_out_and_said_once(tmp_path: Path) -> None:
    d = drafted(tmp_path, "It opened on Saturday, yesterday and last week; it was built in 1904.", published="")
    assert [(x.selector.text, x.date) for x in d.dates] == [("in 1904", "1904")]
    assert len(d.diagnostics) == 1 and "no published date: 3 relative date expressions" in d.diagnostics[0].message
    assert d.diagnostics[0].path == "seeds/INDEX.md" and d.diagnostics[0].line == 5


BAD = [
    ("no quote marks", "A plain report with no quotation at all.\n\nAnother paragraph."),
    ("unbalanced quotes", '"This never closes.\n\nNor "does this.\n\nAnd ” this closes nothing.'),
    ("only marks", '"\n\n“”\n\n\'\n\n" " " "'),
    ("apostrophes only", "Russia’s envoy didn't say; the workers’ union’s view wasn't asked."),
]


@pytest.mark.parametrize("name,text", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_drafted_without_error(tmp_path: Path, name: str, text: str) -> None:
    d = drafted(tmp_path, text)
    for q in d.quotes:
        assert q.selector.text and "\n" not in q.selector.text
    if name in ("no quote marks", "apostrophes only"):
        assert d.quotes == ()


def test_an_unclosed_quotation_is_proposed_below_the_default_confidence_when_nobody_said_it(tmp_path: Path) -> None:
    d = drafted(tmp_path, 'A note: "this never closes')
    assert [(q.selector.text, q.speaker) for q in d.quotes] == [("this never closes", None)]
    assert d.quotes[0].confidence < 0.5 and "not closed" in d.quotes[0].why


def test_ten_thousand_quotes(tmp_path: Path) -> None:
    text = "\n\n".join(f'"Point number {i} stands," said Ruth Okafor.' for i in range(10_000))
    d = drafted(tmp_path, text)
    assert len(d.quotes) == 10_000
    assert {q.speaker for q in d.quotes} == {"ruth-okafor"}
