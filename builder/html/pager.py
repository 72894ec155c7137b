"""The page numbers a list cut into pages shows (the documents list): the first, the last and
those near the page shown, so that a list of a hundred pages is one line, not a hundred links."""

from __future__ import annotations


def near(number: int, pages: int, around: int = 2) -> list[int]:
    """The numbers to show from page `number` of `pages`, in order, with a 0 where some are left
    out: from page 37 of 100, 1 0 35 36 37 38 39 0 100. A gap of one page shows that page."""
    out: list[int] = []
    for k in sorted({1, pages, *range(max(1, number - around), min(pages, number + around) + 1)}):
        if out and k - out[-1] > 1:
            out.append(k - 1 if k - out[-1] == 2 else 0)
        out.append(k)
    return out
