"""Lists cut into pages (the documents list, an entity's quotes and mentions): how many pages,
which items a page holds, and the page numbers its pager shows: the first, the last and those
near the page shown, so that a list of a hundred pages is one line, not a hundred links."""

from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")


def count(size: int, *lengths: int) -> int:
    """The pages that lists of these lengths take, `size` items a page (one page at least)."""
    return max(1, *(-(-n // size) for n in lengths))


def part(items: Sequence[T], number: int, size: int) -> Sequence[T]:
    """The items page `number` (from 1) holds."""
    return items[(number - 1) * size:number * size]


def near(number: int, pages: int, around: int = 2) -> list[int]:
    """The numbers to show from page `number` of `pages`, in order, with a 0 where some are left
    out: from page 37 of 100, 1 0 35 36 37 38 39 0 100. A gap of one page shows that page."""
    out: list[int] = []
    for k in sorted({1, pages, *range(max(1, number - around), min(pages, number + around) + 1)}):
        if out and k - out[-1] > 1:
            out.append(k - 1 if k - out[-1] == 2 else 0)
        out.append(k)
    return out


def listing(number: int, pages: int, href: Callable[[int], str]) -> dict[str, Any]:
    """Where page `number` of `pages` is, for a template's pager: number, pages, prev and next
    (hrefs, or None), numbers ((number, href) each, from near(); (0, None) for a gap)."""
    return {"number": number, "pages": pages,
            "prev": href(number - 1) if number > 1 else None, "next": href(number + 1) if number < pages else None,
            "numbers": [(k, href(k) if k else None) for k in near(number, pages)]}
