"""A document's annotations as its summary holds them: `PassageTable`, a few columns.

Every document's summary (builder.prepare.summary) is held for the whole build: linking, the
pages' keys and the listings read it. As a tuple of Passage tuples a summary's ~36 passages took
13 KB of its 20 KB (at 100,000 documents, 1.3 GB of the main process): a tuple each, an int
object for each place past 256, a string object for each id, each speaker and path. A table
holds the same values as columns: the ids as one string, the kinds as one string of codes, the
places as an array of ints, the names (speakers, entities, paths, events, a quote's words) once
each in the document's own list and an array of codes into it, the rare links and dates aside:
5.2 KB (on C2K; a summary 11.7 KB). Reading it gives Passage tuples, made as they are read and
not kept; what needs one kind, or one column, reads only it (of_kind, ids, names_of).
"""

from __future__ import annotations

import sys
from array import array
from itertools import chain, compress, repeat
from typing import Any, Iterable, Iterator, Mapping, Sequence, overload

from builder.core.edtf import Edtf
from builder.core.models import AnnotationId, Passage, Target

KINDS = ("quote", "date", "mention", "not-mention", "link", "note")
_CODE = {kind: chr(48 + n) for n, kind in enumerate(KINDS)}
_KIND_OF = {code: kind for kind, code in _CODE.items()}
_NUMBERS = 4   # per passage, in `numbers`: start, end, line, column
NAME_FIELDS = ("speaker", "via", "entity", "event", "words", "path")
_NAMED = len(NAME_FIELDS)   # per passage, in `codes`, in this order
_new = tuple.__new__
_intern = sys.intern


def _codes_for(count: int) -> str:
    """The smallest array type that numbers `count` names."""
    return "B" if count <= 0xFF else "H" if count <= 0xFFFF else "I"


class PassageTable(Sequence[Passage]):
    """A document's passages, in order, as columns (see above): equal tables hold equal passages."""

    __slots__ = ("_ids", "_kinds", "_numbers", "_names", "_codes", "_rare")

    def __init__(self, ids: str, kinds: str, numbers: array[int], names: tuple[str | None, ...],
                 codes: array[int], rare: Mapping[int, tuple[Target | None, Target | None, Edtf | None]] | None) -> None:
        self._ids = ids            # "\n" + each id + "\n": an id is looked up by find(), without a split
        self._kinds = kinds        # one character (_CODE) per passage
        self._numbers = numbers    # _NUMBERS ints per passage
        self._names = names        # each name (or None) the passages use, once
        self._codes = codes        # _NAMED indexes into names per passage
        self._rare = rare          # a passage's (to, same_as, date), by its index, where one is set

    @classmethod
    def of(cls, passages: Iterable[Passage]) -> PassageTable:
        rows = list(passages)
        if not rows:
            return cls("\n", "", array("i"), (), array("B"), None)
        (ids, kinds, starts, ends, speakers, vias, entities, tos, same_as, dates, events, words, paths,
         lines, columns) = zip(*rows)
        if any("\n" in i for i in ids):
            raise ValueError(f"an annotation id holds a line break: {next(i for i in ids if chr(10) in i)!r}")
        named = list(chain.from_iterable(zip(speakers, vias, entities, events, words, paths)))
        names = tuple(dict.fromkeys(named))
        code = {name: n for n, name in enumerate(names)}
        rare = {n: (t, s, d) for n, (t, s, d) in enumerate(zip(tos, same_as, dates)) if t or s or d}
        return cls("\n" + "\n".join(ids) + "\n", "".join(map(_CODE.__getitem__, kinds)),
                   array("i", chain.from_iterable(zip(starts, ends, lines, columns))), names,
                   array(_codes_for(len(names)), map(code.__getitem__, named)), rare or None)

    # --- reading

    def ids(self, kind: str | None = None) -> list[AnnotationId]:
        """The passages' ids, in order: every one, or one kind's."""
        ids: list[AnnotationId] = self._ids[1:-1].split("\n") if len(self._ids) > 1 else []   # type: ignore[assignment]
        return ids if kind is None else list(compress(ids, self._where(kind)))

    def by_id(self, id_: str) -> Passage | None:
        """The first passage with this id, or None."""
        if "\n" in id_:
            return None
        at = self._ids.find("\n" + id_ + "\n")
        return None if at < 0 else self._row(self._ids.count("\n", 0, at), id_)

    def of_kind(self, kind: str) -> list[Passage]:
        """The passages of one kind, in order: only they are made (a listing of a document's dates
        or quotes reads a few of its ~36)."""
        return self._rows(list(compress(range(len(self._kinds)), self._where(kind))))

    def counts(self) -> dict[str, int]:
        """How many passages there are of each kind present, in KINDS' order."""
        return {kind: n for kind in KINDS if (n := self._kinds.count(_CODE[kind]))}

    def names_of(self, field: str, kind: str | None = None) -> list[str | None]:
        """One column of names (NAME_FIELDS: a speaker, a via, ...), of every passage or of one
        kind's, read in C without making a passage (a document's speakers, for its row)."""
        column = map(self._names.__getitem__, self._codes[NAME_FIELDS.index(field)::_NAMED])
        return list(column if kind is None else compress(column, self._where(kind)))

    def targeting(self) -> list[Passage]:
        """The passages with a link or same-as target (held aside with the dates: few have one)."""
        return self._rows([i for i, (to, same_as, _) in (self._rare or {}).items() if to is not None or same_as is not None])

    def _where(self, kind: str) -> Iterator[bool]:
        """For each passage, whether it is of this kind (a mask for itertools.compress)."""
        return map(_CODE[kind].__eq__, self._kinds)

    def _rows(self, at: list[int]) -> list[Passage]:
        """The passages at these places, made; the ids split only if there is one to make."""
        if not at:
            return []
        ids = self.ids()
        return [self._row(i, ids[i]) for i in at]

    def _row(self, i: int, id_: str) -> Passage:
        numbers, names, codes, m, k = self._numbers, self._names, self._codes, _NUMBERS * i, _NAMED * i
        to, same_as, date = (None, None, None) if self._rare is None else self._rare.get(i, (None, None, None))
        return _new(Passage, (id_, _KIND_OF[self._kinds[i]], numbers[m], numbers[m + 1],
                              names[codes[k]], names[codes[k + 1]], names[codes[k + 2]], to, same_as, date,
                              names[codes[k + 3]], names[codes[k + 4]], names[codes[k + 5]],
                              numbers[m + 2], numbers[m + 3]))

    def __iter__(self) -> Iterator[Passage]:
        """Every passage, made column by column in C (a passage at a time, by _row, was 1.5 µs
        each, and a build reads every document's passages a dozen times)."""
        n, numbers, codes, names = len(self._kinds), self._numbers, self._codes, self._names.__getitem__
        to: list[Target | None] = [None] * n
        same_as: list[Target | None] = [None] * n
        dates: list[Edtf | None] = [None] * n
        for i, (t, s, d) in (self._rare or {}).items():
            to[i], same_as[i], dates[i] = t, s, d
        columns = zip(self.ids(), map(_KIND_OF.__getitem__, self._kinds), numbers[0::4], numbers[1::4],
                      *(map(names, codes[c::_NAMED]) for c in range(3)), to, same_as, dates,
                      *(map(names, codes[c::_NAMED]) for c in range(3, 6)), numbers[2::4], numbers[3::4])
        return map(_new, repeat(Passage), columns)

    def __len__(self) -> int:
        return len(self._kinds)

    @overload
    def __getitem__(self, i: int) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Passage]: ...

    def __getitem__(self, i: int | slice) -> Passage | Sequence[Passage]:
        if isinstance(i, slice):
            return tuple(self)[i]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        i %= n
        return self._row(i, self.ids()[i])

    # --- as a value

    def _columns(self) -> tuple[Any, ...]:
        return (self._ids, self._kinds, self._numbers, self._names, self._codes, self._rare)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PassageTable):
            return self._columns() == other._columns()
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._ids, self._kinds, self._numbers.tobytes(), self._names, self._codes.tobytes(),
                     None if self._rare is None else tuple(self._rare.items())))

    def __repr__(self) -> str:
        return f"PassageTable({list(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return _table, self._columns()


def _table(ids: str, kinds: str, numbers: array[int], names: tuple[str | None, ...], codes: array[int],
           rare: Mapping[int, tuple[Target | None, Target | None, Edtf | None]] | None) -> PassageTable:
    """A table read back (from another process, or the build cache): a name without a space (an
    entity's id, a sidecar's path) made one object with every other document's same name, not one
    each. Words and events, which have spaces and are rarely the same, are not interned: the
    interpreter would keep a table of them all."""
    return PassageTable(ids, kinds, numbers, tuple(_intern(s) if s and " " not in s else s for s in names), codes, rare)
