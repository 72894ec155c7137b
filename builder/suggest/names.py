"""Who and what a text names: its entities' mentions, and capitalised names it does not know.

Known names come from the document's mention spans (aliases, and in an author's corpus the
mentions written in the sidecar). Besides them: a word in capitals that is a known name
("RUSSIA"), a known person's surname on its own ("Lowe said", where the entity lists no
alias "Lowe"), a title before a known person's last name ("Mr. Kabul", though Kabul is a
city), and capitalised runs that look like people ("Mayor Jane Holt"), organisations (a
word such as Ministry, Council, Agency) or places ("in Tarsk"), each with a proposed id.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

from builder.core.models import Entity, Span
from builder.core.records import record
from builder.core.urls import slugify
from builder.suggest.records import NameKind

TITLES = frozenset("""Mr Mrs Ms Miss Dr Mayor President Judge Justice Ambassador Minister Councillor Councilman
Councilwoman Senator Sen Governor Gov Gen General Colonel Col Captain Capt Sir Dame Lord Lady Professor Prof
Chancellor Secretary Deputy Prime Rev Father Sister Inspector Sergeant Sgt King Queen Prince Princess Pope Sheikh
Imam Rabbi Bishop Cardinal Representative Rep Commissioner Chairman Chairwoman Director Coach Detective Envoy
Spokesman Spokeswoman Councillors Lieutenant Lt Admiral Marshal Chief""".split())
STOP = frozenset("""The A An In On At But And Or However When As After Before This That These Those It He She We They I
His Her Their Its Our My Your If So Asked Despite Since Meanwhile Separately Earlier Later According Speaking Under
Over For From To With Without While Although Though Then Now Today Yesterday Tomorrow Some Many Most All Every No Not
Yes Both Each Other Another Such What Who Why How Where There Here Shares Analysts Residents Employees Work Rainfall
Asked Unfortunately Perhaps Good Last Next First Second Third One Two Three Also Still Even Only Just Instead Indeed
Thus Hence Therefore Once Every Like Unlike Among Between During Until Upon Into Onto Within Following Ahead""".split())
CALENDAR = frozenset("""Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December""".split())
ORG_WORDS = frozenset("""Ministry Council Agency Office Department Bank Company Corporation Corp Inc Ltd Group Party
Forces Army Navy Police Court University College Institute Times News Post Journal Herald Gazette Channel TV Radio
Forum Commission Committee Union Association Foundation Organisation Organization Service Services Mission Movement
Front Board Authority Assembly Parliament Senate Congress Government Administration Agency Airlines Lines Systems
Partners Holdings Bureau Network Society Trust Club League Federation Alliance Coalition Centre Center School Library
Museum Hospital Ledger Courier Tribune Telegraph Guardian Chronicle Press Reuters Media""".split())
PLACE_WORDS = frozenset("""Province City Town Village Street Road Avenue Square River Lake Mountains Mountain Island Islands
Valley Region District County State Republic Kingdom Bay Sea Ocean Coast Harbour Harbor Port Bridge Airport
Park Hill Hills Desert Gulf Strait""".split())
_TOKEN = r"(?:[A-Z][a-z]+(?:[-'’][A-Z][a-z]+)*|[A-Z]{2,}(?![a-z])|(?:Mc|Mac|O['’])[A-Z][a-z]+|[A-Z]\.)"
_RUN = re.compile(rf"(?<![\w'’-]){_TOKEN}(?:\s(?:(?:of|for|on|de|da|del|van|von|der|bin|al|el|la|le|du)\s)?{_TOKEN})*"
                  r"(?![\w-])")
MODIFIERS = frozenset("""Foreign Deputy Prime Vice Interior Defence Defense Finance Health Environment Justice State Special
Presidential Senior Former Acting Executive Assistant Regional National Federal Supreme US UK UN EU of for the Islamic
Soviet Western Eastern Northern Southern Central Asian""".split())
_DEMONYM = re.compile(r"(?:ian|ians|an|ans|ese|ish|ern|ic|is|i)$")
_PLACE_BEFORE = re.compile(r"\b(?:in|at|from|near|to|across|outside|inside|into|around)\s+$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:][\"”’']?\s+|[\"“‘']|\n)$")


@record
class Name:
    """A stretch of text that names someone or something."""

    start: int
    end: int
    id: str
    kind: NameKind
    known: bool          # an entity of entities.yaml
    how: str             # "alias", "mention", "capitals", "surname", "title", "new"
    confidence: float
    text: str


def known_names(spans: Iterable[Span], kinds: Mapping[str, NameKind], text: str) -> list[Name]:
    return [Name(s.start, s.end, s.annotation.entity, kinds.get(s.annotation.entity, "person"), True,
                 "alias" if s.auto else "mention", 1.0, text[s.start:s.end])
            for s in spans if s.kind == "mention" and s.annotation.entity is not None]


def all_names(text: str, spans: Sequence[Span], entities: Sequence[Entity]) -> list[Name]:
    """Every name in the text, sorted by where it starts; runs that overlap a known name are
    cut around it."""
    kinds = {e.id: e.kind for e in entities}
    known = known_names(spans, kinds, text)
    taken = sorted((n.start, n.end) for n in known)
    by_phrase = {phrase: e for e in entities for phrase in (e.name, *e.aliases)}
    surnames = _surnames(entities)
    ids = {e.id for e in entities}
    found: list[Name] = list(known)
    for m in _RUN.finditer(text):
        for start, end in _outside(m.start(), m.end(), taken):
            found.extend(_candidates(text, start, end, by_phrase, surnames, ids))
    _titled_surnames(text, known, surnames, found)
    first_seen: dict[str, Name] = {}
    out: list[Name] = []
    for name in sorted(found, key=lambda n: (n.start, -n.end)):
        if not name.known and name.how == "new" and " " not in name.text:
            earlier = next((n for n in first_seen.values() if n.kind == "person" and n.text.split()[-1] == name.text
                            and " " in n.text), None)
            if earlier is not None:
                name = Name(name.start, name.end, earlier.id, "person", False, "surname", earlier.confidence, name.text)
        if name.confidence == 0.0:
            continue
        first_seen.setdefault(name.id, name)
        out.append(name)
    return out


def _surnames(entities: Sequence[Entity]) -> dict[str, str]:
    """The last word of each person's name, where one person has it."""
    owners: dict[str, set[str]] = {}
    for e in entities:
        if e.kind == "person":
            for phrase in (e.name, *e.aliases):
                if " " in phrase:
                    owners.setdefault(phrase.split()[-1], set()).add(e.id)
    return {word: next(iter(ids)) for word, ids in owners.items() if len(ids) == 1}


def _outside(start: int, end: int, taken: Sequence[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    for a, b in taken:
        if b <= start or a >= end:
            continue
        if a > start:
            yield start, a
        start = max(start, b)
    if start < end:
        yield start, end


def _candidates(text: str, start: int, end: int, by_phrase: Mapping[str, Entity], surnames: Mapping[str, str],
                ids: set[str]) -> Iterable[Name]:
    tokens = [(m.start() + start, m.end() + start, m.group()) for m in re.finditer(r"\S+", text[start:end])]
    while tokens and (tokens[0][2].rstrip(".") in STOP or tokens[0][2] in CALENDAR):
        tokens.pop(0)
    titled = False
    while tokens and tokens[0][2].rstrip(".") in TITLES:
        titled = True
        tokens.pop(0)
    runs: list[list[tuple[int, int, str]]] = [[]]
    for token in tokens:
        if token[2] in CALENDAR or token[2].rstrip(".") in STOP:
            runs.append([])
        else:
            runs[-1].append(token)
    for run in runs:
        while run and run[-1][2] in ("of", "for", "on", "de", "da", "del", "van", "von", "der", "bin", "al", "el"):
            run.pop()
        if not run:
            continue
        a, b = run[0][0], run[-1][1]
        phrase = re.sub(r"['’]s$", "", text[a:b]).rstrip(".")
        b = a + len(phrase)
        if not phrase:
            continue
        name = _one(text, a, b, phrase, titled and run is runs[0], by_phrase, surnames, ids)
        if name is not None:
            yield name


def _one(text: str, a: int, b: int, phrase: str, titled: bool, by_phrase: Mapping[str, Entity],
         surnames: Mapping[str, str], ids: set[str]) -> Name | None:
    words = phrase.split()
    if all(w in TITLES or w in MODIFIERS or _DEMONYM.search(w) for w in words) and not (
            phrase.isupper() and phrase.title() in by_phrase):
        return None    # "Russian President", "Foreign Minister", "Afghan": a title or an adjective, no name
    if phrase.isupper() and phrase.title() in by_phrase:
        e = by_phrase[phrase.title()]
        return Name(a, b, e.id, e.kind, True, "capitals", 0.8, phrase)
    if len(words) == 1 and phrase in surnames:
        return Name(a, b, surnames[phrase], "person", True, "surname", 0.7, phrase)
    at_start = bool(_SENTENCE_START.search(text[max(0, a - 4):a]))
    kind, confidence = _kind(text, a, words, titled)
    if len(words) == 1 and at_start and not titled:
        confidence = 0.0      # a capital that may only open the sentence: kept only as a known surname
    if len(words) == 1 and not titled:
        confidence = min(confidence, 0.4)
    slug = slugify(phrase)
    if not slug:
        return None
    return Name(a, b, slug if slug not in ids else f"{slug}-2", kind, False, "new", confidence, phrase)


def _kind(text: str, a: int, words: Sequence[str], titled: bool) -> tuple[NameKind, float]:
    if any(w in ORG_WORDS for w in words) or (len(words) == 1 and words[0].isupper()):
        return "organization", 0.65
    if any(w in PLACE_WORDS for w in words):
        return "place", 0.6
    if titled:
        return "person", 0.75
    if _PLACE_BEFORE.search(text[max(0, a - 12):a]) and len(words) <= 2:
        return "place", 0.5
    if 2 <= len(words) <= 3 and all(w[0].isupper() and not w.isupper() for w in words):
        return "person", 0.65
    return "organization", 0.45


def _titled_surnames(text: str, known: Sequence[Name], surnames: Mapping[str, str], found: list[Name]) -> None:
    """"Mr. Kabul": a title before a known non-person whose name is a person's last name."""
    for name in known:
        if name.kind != "person" and name.text in surnames and re.search(
                r"\b(?:Mr|Mrs|Ms|Dr)\.?\s$", text[max(0, name.start - 5):name.start]):
            found.append(Name(name.start, name.end, surnames[name.text], "person", True, "title", 0.8, name.text))
