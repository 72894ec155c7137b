"""Who said each quotation: the attribution around it, resolved to an entity.

In order, the first that answers wins:

1. after the closing mark, a speech verb within a few words: `," she said`, `," said X`,
   `," X told …`, `," the company's spokeswoman added`, `," according to X`; or the next
   sentence, when it is only that: `"…" That's according to its spokesman`. A quotation
   that ends its sentence inside the marks (`would "bring life back." Her neighbour,
   X, disagreed`) is not the next sentence's;
2. before the opening mark, in the same sentence: `X said: "`, `X: "`, `According to X, … "`,
   `X said the plan would "…"`, `X's statement that … "`;
3. the quotation before it in the same paragraph (`"A," he said. "B."`, a quotation split
   by its attribution), or the earlier paragraphs of a quotation that runs over several;
4. the last person named before it, a few paragraphs back at most (and, with nobody before,
   the first one named after it), with less confidence.

A pronoun (he, she, they) or a role ("the envoy", "the company") stands for the last person
(or organisation) named before it outside quotation marks; a role that is an entity's alias
("the company's spokeswoman") is that entity. A role that introduces someone ("a federal
judge", "its spokesman"), or one with nobody named before it, is the first person named
after it, in the next paragraph at most. A participle (`…, ruling that … "`) has the
sentence's subject, a name or the role that opens the sentence.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from typing import Sequence

from builder.core.models import Paragraph
from builder.core.records import record
from builder.suggest.names import Name
from builder.suggest.quotes import Quoted

VERBS = (r"said|says|say|saying|added|adds|adding|told|tells|telling|stated|states|stating|explained|explains|"
         r"noted|notes|claimed|claims|claiming|insisted|insists|argued|argues|warned|warns|warning|wrote|writes|"
         r"writing|replied|replies|responded|responds|asked|asks|declared|declares|announced|announces|remarked|"
         r"recalled|commented|observed|emphasi[sz]ed|stressed|stresses|pointed\s+out|points\s+out|acknowledged|"
         r"admitted|conceded|concluded|confirmed|denied|described|called|tweeted|posted|reported|shouted|promised|"
         r"predicted|suggested|urged|vowed|complained|joked|agreed|disagreed|underscored|reiterated|continued|"
         r"went\s+on|cautioned|countered|testified|ruled|ruling|quipped|pleaded|demanded|answered|added|says")
NOUNS = r"statement|statements|remarks|comments|interview|memo|letter|speech|briefing|decision|tweet|testimony|message"
_VERB = re.compile(rf"(?<![\w-])(?:{VERBS})\b", re.I)
_SPEECH = re.compile(rf"(?<![\w-])(?:{VERBS}|{NOUNS})\b", re.I)
_PRONOUN = re.compile(r"\b(?:he|she|they|it|his|her|their|its)\b", re.I)
_DETERMINER = r"(?:[Tt]he|[Aa]n?|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir)"
_ROLE = re.compile(rf"\b{_DETERMINER}\s+(?:[\w'’-]+\s+){{0,3}}?(?P<noun>[a-z]+)(?=\s*(?:,|$|\b(?:" + VERBS + r")\b))")
_OPENING_ROLE = re.compile(rf"\s*{_DETERMINER}(?:\s+[\w'’-]+){{1,4}}")
_WORDS = re.compile(r"[\w'’-]+")
_NEXT_SENTENCE_SAYS = re.compile(r"\s*(?:That|This|It)(?:['’]s|\s+is|\s+was)\s+according\s+to\s+", re.I)
ORG_ROLES = frozenset("""company firm group ministry government agency council office department maker manufacturer bank
party movement organisation organization court authority police army operator embassy newspaper broadcaster network
union kremlin administration campaign team club board""".split())
PERSON_ROLES = frozenset("""spokesman spokeswoman spokesperson minister ambassador envoy diplomat official president
mayor chief director analyst judge lawyer attorney officer coordinator librarian secretary chairman chairwoman leader
senator governor councillor commissioner executive founder owner manager professor expert economist researcher
general commander prosecutor witness resident victim man woman priest politician candidate premier chancellor
representative negotiator adviser advisor aide source""".split())
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+(?=[A-Z\"“‘'])")
_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Sen|Rep|Gov|Prof|Jr|Sr|No|Inc|Corp|Ltd|vs|U\.S|U\.K)\.$")


@record
class Attribution:
    speaker: str | None
    confidence: float
    why: str
    role: tuple[int, int, str] | None = None     # a role phrase read as the speaker: (start, end, entity id)
    adjacent: bool = False                       # the attribution touches the quotation (`," she said`, `X said: "`)
    in_sentence: bool = False                    # the attribution is in the quotation's own sentence


class Speakers:
    """The names of one document, ready for the questions attribution asks."""

    def __init__(self, text: str, paragraphs: Sequence[Paragraph], quotes: Sequence[Quoted],
                 names: Sequence[Name]) -> None:
        self.text = text
        self.paragraphs = paragraphs
        self.quoted = sorted((q.open, q.close if q.close is not None else q.end) for q in quotes)
        self._quoted_starts = [a for a, _ in self.quoted]
        self.names = [n for n in names if not self._inside_quote(n.start)]
        self.names.sort(key=lambda n: (n.start, n.kind != "person"))
        self._name_ends = [n.end for n in self.names]

    def _inside_quote(self, offset: int) -> bool:
        i = bisect.bisect_right(self._quoted_starts, offset) - 1
        return i >= 0 and self.quoted[i][0] < offset < self.quoted[i][1]

    def in_range(self, start: int, end: int) -> list[Name]:
        return [n for n in self.names if start <= n.start and n.end <= end]

    def last_before(self, offset: int, kinds: tuple[str, ...], floor: int) -> Name | None:
        i = bisect.bisect_right(self._name_ends, offset)
        for n in reversed(self.names[:i]):
            if n.start < floor:
                return None
            if n.kind in kinds and n.end <= offset:
                return n
        return None

    def first_after(self, offset: int, kinds: tuple[str, ...], ceiling: int) -> Name | None:
        return next((n for n in self.names if offset <= n.start < ceiling and n.kind in kinds), None)

    def floor(self, paragraph: int, back: int = 6) -> int:
        return self.paragraphs[max(0, paragraph - back)].start


def attribute(text: str, paragraphs: Sequence[Paragraph], quotes: Sequence[Quoted],
              names: Sequence[Name]) -> list[Attribution]:
    """The speaker of each quotation, in the order given."""
    book = Speakers(text, paragraphs, quotes, names)
    own = [_local(_after(book, q, quotes[i + 1] if i + 1 < len(quotes) else None) or
                  _before(book, q, quotes[i - 1] if i else None)) for i, q in enumerate(quotes)]
    done: list[Attribution | None] = list(own)
    # A quotation over several paragraphs: every piece takes the attribution one of them has.
    for i, q in enumerate(quotes):
        if q.runs_on and done[i] is None:
            j = i + 1
            while j < len(quotes) and quotes[j].continued and done[j] is None and quotes[j].runs_on:
                j += 1
            if j < len(quotes) and quotes[j].continued and done[j] is not None:
                found = done[j]
                assert found is not None
                done[i] = Attribution(found.speaker, found.confidence * 0.9,
                                      f"the quotation runs on into the next paragraph, where {found.why}")
    for i, q in enumerate(quotes):
        if done[i] is not None or i == 0:
            continue
        p, before = quotes[i - 1], done[i - 1]
        if before is not None and before.speaker and (p.paragraph == q.paragraph or q.continued):
            how = "continues the quotation" if q.continued else "follows the quotation"
            done[i] = Attribution(before.speaker, min(before.confidence, 0.85),
                                  f"{how} before it, by {before.speaker}")
    return [a if a is not None else _nearby(book, q) for a, q in zip(done, quotes)]


def _local(found: Attribution | None) -> Attribution | None:
    return None if found is None else _replace(found, in_sentence=True)


def _sentence_start(text: str, floor: int, offset: int) -> int:
    start = floor
    for m in _SENTENCE_END.finditer(text, floor, offset):
        if not _ABBREVIATION.search(text[max(0, m.start() - 5):m.start() + 1]):
            start = m.end()
    return start


def _sentence_end(text: str, offset: int, ceiling: int) -> int:
    for m in _SENTENCE_END.finditer(text, offset, ceiling):
        if not _ABBREVIATION.search(text[max(0, m.start() - 5):m.start() + 1]):
            return m.start() + 1
    return ceiling


def _after(book: Speakers, q: Quoted, following: Quoted | None) -> Attribution | None:
    if q.close is None:
        return None
    text = book.text
    para = book.paragraphs[q.paragraph]
    ceiling = following.open if following is not None and following.paragraph == q.paragraph else para.start + len(
        para.text)
    start = q.close + 1
    if text[q.close - 1:q.close] == "." and re.match(r"\s+[A-Z]", text[start:start + 2]):
        return _next_sentence_says(book, q, start, ceiling)    # the sentence ended inside the marks
    end = _sentence_end(text, start, ceiling)
    window = text[start:end]
    according = re.match(r"[\s,.;:—–-]*according\s+to\s+", window, re.I)
    if according:
        name = book.first_after(start + according.end(), ("person", "organization", "place"), end)
        if name is not None:
            return _named(name, f"“…” according to {name.text}")
    verb = _VERB.search(window)
    if verb is None or len(window[:verb.start()].split()) > 8:
        return _next_sentence_says(book, q, end, ceiling)
    found = _subject(book, start, start + verb.start(), start + verb.end(), end, verb.group(), q.paragraph, True)
    return None if found is None else _replace(found, adjacent=True)


def _next_sentence_says(book: Speakers, q: Quoted, start: int, ceiling: int) -> Attribution | None:
    """`"…" That's according to X`: a sentence that only says whose the words were."""
    says = _NEXT_SENTENCE_SAYS.match(book.text, start, ceiling)
    if says is None:
        return None
    end = _sentence_end(book.text, says.end(), ceiling)
    name = book.first_after(says.end(), ("person", "organization", "place"), end)
    if name is not None and len(book.text[says.end():name.start].split()) <= 3:
        return _replace(_named(name, f"“…” {says.group().strip()} {name.text}, in the next sentence"), adjacent=True)
    role = _ROLE.match(book.text, says.end())
    if role and _role_kind(role.group("noun")):
        found = _anaphor(book, role.group(), says.end(), q.paragraph, f"“…” {says.group().strip()} {role.group()}, "
                         "in the next sentence", role=role.span())
        return None if found is None else _replace(found, adjacent=True)
    return None


def _before(book: Speakers, q: Quoted, previous: Quoted | None) -> Attribution | None:
    text = book.text
    para = book.paragraphs[q.paragraph]
    floor = previous.close + 1 if previous is not None and previous.paragraph == q.paragraph and \
        previous.close is not None else para.start
    start = _sentence_start(text, floor, q.open)
    window = text[start:q.open]
    according = None
    for according in re.finditer(r"\baccording\s+to\s+", window, re.I):
        pass
    if according is not None:
        name = book.first_after(start + according.end(), ("person", "organization", "place"), q.open)
        if name is not None:
            return _named(name, f"according to {name.text}, in the same sentence")
    colon = re.search(r":\s*$", window)
    names = book.in_range(start, q.open)
    if colon and names and not text[names[-1].end:start + colon.start()].strip():
        return _replace(_named(names[-1], f"{names[-1].text}: a colon after the name"), adjacent=True)
    speech = None
    for speech in _SPEECH.finditer(window):
        pass
    if speech is None:
        return None
    vstart, vend = start + speech.start(), start + speech.end()
    if speech.group().lower().endswith("ing") and previous is not None and previous.paragraph == q.paragraph:
        return None    # "…," he said, adding that … "…": the quotation before it says who
    found = _subject(book, start, vstart, vend, q.open, speech.group(), q.paragraph, False)
    if found is not None and len(text[vend:q.open].split()) <= 2:
        found = _replace(found, adjacent=True)
    if speech.group().lower().endswith("ing") and (found is None or found.role is None):
        first = book.in_range(start, vstart)
        if first:
            return _named(first[0], f"{first[0].text} … {speech.group()}: the subject of the sentence")
        role = _opening_role(text, start, vstart)
        if found is None and role is not None:
            return _anaphor(book, text[role[0]:role[1]], role[0], q.paragraph,
                            f"{text[role[0]:role[1]]} … {speech.group()}: the subject of the sentence", role=role)
    return found


def _opening_role(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The role that opens a sentence ("A federal judge struck down …"): where it stands."""
    opening = _OPENING_ROLE.match(text, start, end)
    if opening is None:
        return None
    words = list(_WORDS.finditer(text, start, opening.end()))
    noun = next((w for w in words[1:] if _role_kind(w.group()) == "person"), None)
    return None if noun is None else (words[0].start(), noun.end())


def _subject(book: Speakers, floor: int, vstart: int, vend: int, ceiling: int, verb: str, paragraph: int,
             after_quote: bool) -> Attribution | None:
    """The speaker of a speech verb at [vstart, vend): the nearest name, pronoun or role before
    it in the clause, or else the first one after it."""
    text = book.text
    names = book.in_range(floor, vstart)
    pronouns = [m for m in _PRONOUN.finditer(text, floor, vstart)]
    roles = [m for m in _ROLE.finditer(text, floor, vstart) if m.end() >= vstart - 1 and _role_kind(m.group("noun"))]
    best_name = names[-1] if names else None
    best_pronoun = pronouns[-1] if pronouns else None
    best_role = roles[-1] if roles else None
    candidates: list[tuple[int, str]] = []
    if best_name is not None:
        candidates.append((best_name.end, "name"))
    if best_pronoun is not None:
        candidates.append((best_pronoun.end(), "pronoun"))
    if best_role is not None and (best_name is None or best_role.start() > best_name.end):
        candidates.append((best_role.end(), "role"))
    said = "“…,” " if after_quote else ""
    if candidates:
        _, what = max(candidates)
        if what == "name":
            assert best_name is not None
            return _named(best_name, f"{said}{best_name.text} {verb}")
        if what == "pronoun":
            assert best_pronoun is not None
            return _anaphor(book, best_pronoun.group(), best_pronoun.start(), paragraph, f"{said}{best_pronoun.group()} {verb}")
        assert best_role is not None
        return _anaphor(book, best_role.group(), best_role.start(), paragraph, f"{said}{best_role.group()} {verb}",
                        role=(best_role.start(), best_role.end()))
    end = _sentence_end(text, vend, ceiling)
    name = book.first_after(vend, ("person", "organization", "place"), end)
    if name is not None and len(text[vend:name.start].split()) <= 5:
        return _named(name, f"{said}{verb} {name.text}")
    pronoun = re.match(r"\s+(he|she|they)\b", text[vend:end])
    if pronoun:
        return _anaphor(book, pronoun.group(1), vend, paragraph, f"{said}{verb} {pronoun.group(1)}")
    role = _ROLE.match(text, vend + 1)
    if role and _role_kind(role.group("noun")):
        return _anaphor(book, role.group(), vend, paragraph, f"{said}{verb} {role.group()}", role=role.span())
    return None


def _replace(found: Attribution, **changes: object) -> Attribution:
    return dataclasses.replace(found, **changes)


def _role_kind(noun: str) -> str | None:
    noun = noun.lower()
    return "organization" if noun in ORG_ROLES else "person" if noun in PERSON_ROLES else None


def _named(name: Name, how: str) -> Attribution:
    known = "" if name.known else f" (not in entities.yaml: proposed as {name.id})"
    return Attribution(name.id, 0.95 if name.known else 0.85, how + known)


def _anaphor(book: Speakers, word: str, offset: int, paragraph: int, how: str,
             role: tuple[int, int] | None = None) -> Attribution | None:
    lower = word.lower()
    if role is not None:
        noun = lower.split()[-1]
        kinds: tuple[str, ...] = ("organization", "place") if _role_kind(noun) == "organization" else ("person",)
    else:
        kinds = ("organization", "place", "person") if lower in ("it", "its", "they", "their") else ("person",)
    introduces = role is not None and lower.split()[0] in ("a", "an", "its", "his", "her", "their")
    name = None if introduces else book.last_before(offset, kinds, book.floor(paragraph))
    what = "the last organisation named before it" if kinds[0] != "person" else "the last person named before it"
    if name is None and role is not None and kinds == ("person",):
        para = book.paragraphs[min(paragraph + 1, len(book.paragraphs) - 1)]
        name = book.first_after(role[1], kinds, para.start + len(para.text))
        what = "the first person named after it"
        if name is not None:
            known = "" if name.known else f" (not in entities.yaml: proposed as {name.id})"
            return Attribution(name.id, 0.7, f"{how}: '{word}' is {name.text}, {what}{known}", (role[0], role[1], name.id))
    if name is None:
        return None
    known = "" if name.known else f" (not in entities.yaml: proposed as {name.id})"
    return Attribution(name.id, 0.8, f"{how}: '{word}' is {name.text}, {what}{known}",
                       (role[0], role[1], name.id) if role is not None else None)


def _nearby(book: Speakers, q: Quoted) -> Attribution:
    name = book.last_before(q.open, ("person",), book.floor(q.paragraph, 2))
    if name is not None:
        return Attribution(name.id, 0.55, f"no attribution: {name.text} is the last person named before it")
    para = book.paragraphs[min(q.paragraph + 1, len(book.paragraphs) - 1)]
    name = book.first_after(q.end, ("person",), para.start + len(para.text))
    if name is not None:
        return Attribution(name.id, 0.45, f"no attribution, and nobody named before it: {name.text} is named next")
    return Attribution(None, 0.3, "no attribution and no person named nearby: who said this?")
