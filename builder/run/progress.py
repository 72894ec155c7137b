"""How the pipeline tells its caller how a build goes: one callback, `Progress` (see builder.run.pipeline).

No step prints: the command line draws what it is told (builder.commands.progress).
`progress(stage)`: a stage starts. `progress(stage, done, total)`: a stage that counts its
work has made `done` of its `total` items, from (stage, 0, total) up to (stage, total,
total); the counts come from where the work completes (the executor's `done`, in the
build's own process, as results arrive).
"""

from __future__ import annotations

from typing import Callable, Protocol


class Progress(Protocol):
    """`progress(stage)` when a stage starts; `progress(stage, done, total)` as it counts: `done` of
    `total` items made, from 0 up to total (builder.run.pipeline says which stages count)."""

    def __call__(self, stage: str, done: int | None = None, total: int | None = None, /) -> None: ...


def silent(stage: str, done: int | None = None, total: int | None = None, /) -> None:
    """The Progress that shows nothing."""


def counting(progress: Progress, stage: str, total: int) -> Callable[[int], None]:
    """An executor map's `done` for `total` items: the stage's count, reported from 0 as it grows."""
    made = 0
    progress(stage, made, total)

    def done(n: int) -> None:
        nonlocal made
        made += n
        progress(stage, made, total)
    return done
