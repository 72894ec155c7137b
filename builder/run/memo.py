"""The memo: each step's result, kept with the inputs it was computed from.

The pipeline asks for every step through a memo: `get(step, inputs, compute)` returns the
kept result when the inputs are the ones it was computed from, else computes it. A full
build uses a memo that keeps nothing (`Fresh`): every step runs once. `glossator serve`
keeps one memo for the session (`Memo`), so that after an edit only the steps whose inputs
changed run again, and what they compute is what a full build computes, by construction.

A result equal to the one kept is replaced by the kept object: later steps, whose inputs
hold it, then find their inputs identical (compared in a pointer's time) and hit too.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, Sequence, TypeVar

from builder.read.files import Seen

T = TypeVar("T")
# fill(i): the input at position i made whole, called for each result that is computed, before
# it is (an input that names a file not read, builder.read.files.Unread, has it read now).
Fill = Callable[[int], object]

_NOTHING = object()


class Fresh:
    """A memo that keeps nothing: every step is computed (a full build)."""

    seen: Seen | None = None    # what it knows of files earlier builds read (None: nothing, read them all)

    def get(self, step: Hashable, inputs: object, compute: Callable[[], T], lasting: bool = False) -> T:
        """compute(), or the result kept for these inputs. `lasting`: a result worth keeping
        between builds too, where a memo can (it is read back faster than computed: INDEX.md's
        table parsed); a memo that keeps nothing between builds treats it as any other."""
        return compute()

    def map(self, step: str, names: Sequence[Hashable], inputs: Sequence[object],
            compute: Callable[[Sequence[int], Any], list[Any]],
            name_of: Callable[[Any], Hashable | None] = lambda _: None, fill: Fill | None = None) -> list[Any]:
        """One result per name: `compute(positions, keep)` makes the results at those positions
        (the executor may spread them), passing `keep` on to the executor's map (None here;
        a memo that stores results elsewhere gives its own, builder.run.remember). `fill`: see Fill."""
        for i in range(len(names)) if fill is not None else ():
            fill(i)
        return compute(range(len(names)), None)

    def keep(self, step: Hashable, make: Callable[[], T]) -> T:
        return make()

    def forget_others(self, step: str, names: Iterable[Hashable]) -> None:
        pass

    def finished(self) -> None:
        """A build that succeeded ends: what the memo knows for the next one, kept."""


class Memo(Fresh):
    """A memo that keeps each step's last result (the live server's, for the whole session)."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[object, Any]] = {}
        self._held: dict[Hashable, Any] = {}
        self.computed: list[Hashable] = []      # the steps computed since `computed` was last emptied

    def get(self, step: Hashable, inputs: object, compute: Callable[[], T], lasting: bool = False) -> T:
        kept = self._kept.get(step)
        if kept is not None and (kept[0] is inputs or kept[0] == inputs):
            return kept[1]
        value = compute()
        if kept is not None and kept[1] is not value and kept[1] == value:
            value = kept[1]
        self._kept[step] = (inputs, value)
        self.computed.append(step)
        return value

    def map(self, step: str, names: Sequence[Hashable], inputs: Sequence[object],
            compute: Callable[[Sequence[int], Any], list[Any]],
            name_of: Callable[[Any], Hashable | None] = lambda _: None, fill: Fill | None = None) -> list[Any]:
        """One result per name, kept by (step, name): `compute(positions, None)` makes the
        results of the names whose inputs changed, all at once (the executor may spread them)."""
        out: list[Any] = [_NOTHING] * len(names)
        todo = []
        for i, (name, key) in enumerate(zip(names, inputs)):
            kept = self._kept.get((step, name))
            if kept is not None and (kept[0] is key or kept[0] == key):
                out[i] = kept[1]
            else:
                todo.append(i)
        for i in todo if fill is not None else ():
            fill(i)
        if todo:
            for i, value in zip(todo, compute(todo, None)):
                kept = self._kept.get((step, names[i]))
                if kept is not None and kept[1] is not value and kept[1] == value:
                    value = kept[1]
                self._kept[(step, names[i])] = (inputs[i], value)
                self.computed.append((step, names[i]))
                out[i] = value
        return out

    def keep(self, step: Hashable, make: Callable[[], T]) -> T:
        """An object held for the session (a step's own incremental state), made on first use."""
        held = self._held.get(step, _NOTHING)
        if held is _NOTHING:
            held = self._held[step] = make()
        return held

    def last(self, step: Hashable) -> tuple[object, Any] | None:
        """The inputs a step last ran on, and its result (None: it has not run)."""
        return self._kept.get(step)

    def forget_others(self, step: str, names: Iterable[Hashable]) -> None:
        """Drop the kept results of `step` for names not in `names` (documents gone, pages gone)."""
        wanted = set(names)
        for key in [k for k in self._kept if isinstance(k, tuple) and len(k) == 2 and k[0] == step
                    and k[1] not in wanted]:
            del self._kept[key]

    def forget(self) -> None:
        self._kept.clear()
        self._held.clear()
