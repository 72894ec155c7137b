"""Speaker colours: the colour science, the palette's distances, and who gets which colour."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings, strategies as st

from builder.core.models import EntityId
from builder.html import colours
from builder.html.colours import SAFE, delta_e, lab, palette, preferred, slots

# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula", table 1: pairs 1, 7, 17, 25, 34.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize("a, b, expected", SHARMA)
def test_ciede2000_matches_the_published_test_data(a, b, expected) -> None:
    assert delta_e(a, b) == pytest.approx(expected, abs=1e-4)
    assert delta_e(b, a) == pytest.approx(expected, abs=1e-4)


def test_lab_of_white_and_black() -> None:
    assert lab("#FFFFFF") == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    assert lab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=0.01)


@pytest.mark.parametrize("scheme", [colours.LIGHT, colours.DARK])
def test_any_two_of_the_first_eight_are_far_apart(scheme) -> None:
    labs = [lab(c) for c in scheme]
    assert len(scheme) == SAFE == 8
    assert min(delta_e(a, b) for a, b in itertools.combinations(labs, 2)) >= 20


@pytest.mark.parametrize("n", [9, 12, 40, 300])
def test_a_long_palette_starts_with_the_eight_and_never_repeats(n) -> None:
    made = palette(n, colours.LIGHT, (0.32, 0.45, 0.58))
    assert made[:8] == list(colours.LIGHT) and len(made) == n and len(set(made)) == n
    labs = [lab(c) for c in made[:12]]
    nearest = min(delta_e(a, b) for a, b in itertools.combinations(labs, 2))
    assert nearest >= 10, "the first extra colours are chosen far from the eight"


def test_chips_ink_reads_on_every_colour() -> None:
    for c in [*colours.palette(60, colours.LIGHT, (0.32, 0.45, 0.58)), *colours.palette(60, colours.DARK, (0.55, 0.68, 0.8))]:
        assert colours.contrast(colours.ink(c), c) >= 4.5, c


def test_speakers_quoted_together_prefer_different_colours() -> None:
    docs = [["a", "b", "c"], ["a", "d"], ["b", "d", "e"], ["f"]]
    prefer = preferred([[EntityId(s) for s in d] for d in docs])
    for d in docs:
        assert len({prefer[EntityId(s)] for s in d}) == len(d)
    assert set(prefer) == set("abcdef")


groups = st.lists(st.lists(st.sampled_from([EntityId(f"s{i}") for i in range(30)]), min_size=1, max_size=14, unique=True),
                  min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(groups)
def test_every_page_gets_distinct_colours_within_the_eight_when_it_can(docs) -> None:
    """On every page no two speakers share a slot; a page of at most eight speakers uses only the
    eight far-apart colours; a speaker keeps their preferred colour wherever nobody on the page
    took it first."""
    prefer = preferred(docs)
    for d in docs:
        got = slots(d, prefer)
        assert sorted(got) == sorted(d)
        assert len(set(got.values())) == len(d)
        if len(d) <= SAFE:
            assert max(got.values()) < SAFE
        taken: set[int] = set()
        for s in d:
            p = prefer.get(s)
            if p is not None and p not in taken:
                assert got[s] == p
                taken.add(p)


@settings(max_examples=100, deadline=None)
@given(groups.filter(lambda docs: all(len(d) <= 4 for d in docs)))
def test_where_the_graph_allows_a_speaker_has_one_colour_everywhere(docs) -> None:
    prefer = preferred(docs)
    if len(prefer) < len({s for d in docs for s in d}):
        return   # DSATUR needed more than eight colours: no promise then
    seen: dict[EntityId, set[int]] = {}
    for d in docs:
        for s, i in slots(d, prefer).items():
            seen.setdefault(s, set()).add(i)
    assert all(len(v) == 1 for v in seen.values())


def _component(docs: list[list[EntityId]], start: set[EntityId]) -> set[EntityId]:
    """The speakers linked to `start` through documents that quote them together."""
    reached, grew = set(start), True
    while grew:
        grew = False
        for d in docs:
            if reached.intersection(d) and not reached.issuperset(d):
                reached.update(d)
                grew = True
    return reached


@settings(max_examples=300, deadline=None)
@given(groups, st.lists(st.sampled_from([EntityId(f"s{i}") for i in range(30)]), min_size=1, max_size=6, unique=True))
def test_a_new_document_moves_no_colour_outside_its_speakers_reach(docs, new) -> None:
    """Quoting some speakers together in one more document keeps every colour it cannot reach:
    a speaker whose id sorts before all of the new document's, and a speaker not linked to them
    through documents at all (DSATUR, the colouring before this one, moved colours across the
    corpus: its order came from the whole graph)."""
    before, after = preferred(docs), preferred([*docs, new])
    reach = _component([*docs, new], set(new))
    for s, slot in before.items():
        if s < min(new) or s not in reach:
            assert after.get(s) == slot, (s, slot, after.get(s))


def test_a_speaker_alone_keeps_the_colour_its_id_picks() -> None:
    """A speaker quoted with nobody else takes the slot its id picks, in every build and process:
    the eight colours are spread over a corpus's speakers, not piled on the first."""
    alone = [[EntityId(f"person-{k}")] for k in range(40)]
    prefer = preferred(alone)
    assert all(prefer[d[0]] == colours.first_choice(d[0]) for d in alone)
    assert len(set(prefer.values())) == SAFE


SPEAKER_IDS = st.sampled_from(["naeem", "putin", "lavrov", "kabulov", "shaheen", "blinken", "tass", "nato", "kremlin", "un"])


@settings(max_examples=200)
@given(st.lists(st.lists(SPEAKER_IDS, max_size=4), max_size=6), st.integers(10, 12),
       st.lists(SPEAKER_IDS, max_size=10, unique=True), st.lists(SPEAKER_IDS, max_size=10, unique=True))
def test_a_pages_colours_as_one_string_are_equal_when_the_colours_are(together, most, a, b) -> None:
    """What a page's key holds of its colours (Colours.named) tells two pages' colours apart
    exactly when on_page does (a page's speakers: each once, at most the corpus's most on a page)."""
    c = colours.colours(together, most)
    assert (c.named(a) == c.named(b)) == (c.on_page(a) == c.on_page(b))
    assert len(c.named(a).splitlines()) == len(c.on_page(a))
