"""What a build with a cache keys a listing page by (builder.html.reads, named): every passage
as its document's name and its id, all of them in one string. Two listings get one key only
if they list the same passages in the same order, whatever their ids hold."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from builder.html import reads

DOC_NAMES = st.sampled_from(["a" * 64, "b" * 64, "c" * 64 + "/0"])
IDS = st.text(alphabet=st.sampled_from(["q", "1", " ", ":", "\n", "é", "3"]), min_size=1, max_size=6)
LISTINGS = st.lists(st.tuples(DOC_NAMES, IDS), max_size=5)


@settings(max_examples=500)
@given(LISTINGS, LISTINGS)
def test_two_listings_have_one_key_only_if_they_list_the_same_passages(a, b) -> None:
    def key(listing: list[tuple[str, str]]) -> object:
        return reads._joined([reads._passage_name(name, id_) for name, id_ in listing])

    assert (key(a) == key(b)) == (a == b)
