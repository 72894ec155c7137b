"""Speaker colours: chosen per page, so that the speakers on one page look far apart, and kept
the same for a person across pages wherever that allows.

The first eight colours are Okabe and Ito's colour-blind-safe palette (any two at least
ΔE2000 21.7 apart, in both colour schemes: the dark scheme swaps black for a light grey).
A speaker's preferred colour comes from colouring the graph of speakers who are quoted in
the same document: neighbours never share one (while eight allow), so most pages keep
everyone's preferred colour. The colouring is stable under edits: speakers are coloured in
the order of their ids, each starting from a colour its id picks, so a quote credited to a
new speaker moves the colours of that speaker's neighbours at most, not of the whole corpus
(readers keep seeing a person in one colour from one build to the next, and the build cache
makes again only the pages whose colours moved). A page with more than eight speakers gets
further colours, each as far from those before it as a fixed grid of candidates allows,
never two alike.
"""

from __future__ import annotations

import colorsys
import math
import os
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from builder.core.models import EntityId

if TYPE_CHECKING:
    import numpy as np

LIGHT = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
DARK = LIGHT[:-1] + ("#E8E8E8",)
SAFE = len(LIGHT)            # up to this many speakers on a page, every two are ΔE2000 ≥ 20 apart
INKS = ("#000000", "#FFFFFF")   # text on a colour (a chip): whichever contrasts more


@dataclass(frozen=True, slots=True)
class SpeakerColour:
    """One speaker's colour on one page, in both schemes, with the ink that reads on it."""

    speaker: EntityId
    slot: int
    light: str
    dark: str
    light_ink: str
    dark_ink: str


# --- colour science ------------------------------------------------------------------------


def _linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance."""
    r, g, b = map(_linear, _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lab(hex_colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour."""
    r, g, b = map(_linear, _rgb(hex_colour))
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _numpy() -> Any:
    """numpy, imported when a palette first needs it, with one OpenBLAS thread (unless the
    environment says otherwise): on import OpenBLAS starts a thread per core that spins for a
    while, ~45 ms of CPU in the process that then forks the page renderers. The palette does no
    linear algebra (builder.search.lunr_index imports it the same way)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import numpy

    return numpy


def delta_e(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal's formulation) of two Lab colours."""
    np = _numpy()

    return float(_delta_e_to(np.array([lab1], float), lab2)[0])


def _delta_e_to(labs: "np.ndarray", other: tuple[float, float, float]) -> "np.ndarray":
    """CIEDE2000 of every row of `labs` (an n × 3 array) to `other`, at once (numpy)."""
    np = _numpy()

    l1, a1, b1 = labs[:, 0], labs[:, 1], labs[:, 2]
    l2, a2, b2 = other
    c_bar = (np.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.where(c1p != 0, np.degrees(np.arctan2(b1, a1p)) % 360, 0.0)
    h2p = np.where(c2p != 0, np.degrees(np.arctan2(b2, a2p)) % 360, 0.0)
    both = c1p * c2p != 0
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(both, dh, 0.0)
    dl, dc = l2 - l1, c2p - c1p
    dhh = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(~both, h_sum, np.where(np.abs(h1p - h2p) <= 180, h_sum / 2,
                                            np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)))
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return np.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dhh / s_h) ** 2 + r_t * (dc / s_c) * (dhh / s_h))


def ink(background: str) -> str:
    """The text colour that reads best on `background`."""
    return max(INKS, key=lambda i: contrast(i, background))


# --- the palette beyond eight --------------------------------------------------------------


def _hex(h: float, s: float, li: float) -> str:
    r, g, b = colorsys.hls_to_rgb(h, li, s)
    return "#%02X%02X%02X" % (round(r * 255), round(g * 255), round(b * 255))


def _candidates(lightness: Sequence[float]) -> list[str]:
    return [_hex(h / 36, s, li) for li in lightness for s in (0.85, 0.55) for h in range(36)]


def palette(n: int, base: Sequence[str], lightness: Sequence[float]) -> list[str]:
    """`n` colours: `base` first, then each the candidate farthest (ΔE2000) from all before it;
    past the candidates, hues by the golden angle. Never two alike."""
    chosen = list(base[:n])
    left = [c for c in _candidates(lightness) if c not in chosen]
    if len(chosen) < n and left:
        np = _numpy()

        labs = np.array([lab(c) for c in left])
        nearest = np.full(len(left), np.inf)
        for known in chosen:
            nearest = np.minimum(nearest, _delta_e_to(labs, lab(known)))
        taken = np.zeros(len(left), bool)
        while len(chosen) < n and not taken.all():
            best = int(np.argmax(np.where(taken, -1.0, nearest)))   # the first of equals, as max() over a list
            taken[best] = True
            chosen.append(left[best])
            nearest = np.minimum(nearest, _delta_e_to(labs, tuple(labs[best])))
    k = 0
    while len(chosen) < n:   # hundreds of speakers on one page: distinct, if no longer far apart
        colour = _hex((k * 0.618033988749895) % 1, 0.5 + 0.35 * (k % 2), lightness[k % len(lightness)])
        k += 1
        if colour not in chosen:
            chosen.append(colour)
    return chosen


# --- who gets which ------------------------------------------------------------------------


def preferred(together: Iterable[Sequence[EntityId]]) -> dict[EntityId, int]:
    """Each speaker's colour slot (0–7) from colouring the graph of speakers quoted in the same
    document, greedily in the order of their ids: each takes the slot its id picks
    (`first_choice`) or the next one round the eight that no neighbour coloured before it holds;
    speakers the eight cannot colour get none.

    Stability is what this colouring is for. DSATUR, used before, coloured fewer graphs with
    more than eight colours' worth of neighbours, but chose its order from the whole graph: one
    new pair of speakers quoted together reordered it and moved colours across the corpus (at
    10,000 synthetic documents, 5,896 pages changed). Here an edge changes the later of its two
    speakers' colour only if the earlier holds it, and a change reaches a later neighbour only
    if it lands on that neighbour's colour or frees one its id prefers."""
    neighbours: dict[EntityId, set[EntityId]] = {}
    for group in together:
        for s in group:
            neighbours.setdefault(s, set()).update(o for o in group if o != s)
    slot: dict[EntityId, int] = {}
    for s in sorted(neighbours):
        taken = {slot[o] for o in neighbours[s] if o in slot}
        start = first_choice(s)
        free = next(((start + k) % SAFE for k in range(SAFE) if (start + k) % SAFE not in taken), None)
        if free is not None:
            slot[s] = free
    return slot


def first_choice(speaker: EntityId) -> int:
    """The slot a speaker's id picks (CRC-32 of its UTF-8, the same in every process and build)."""
    return zlib.crc32(speaker.encode("utf-8")) % SAFE


def slots(speakers: Sequence[EntityId], prefer: Mapping[EntityId, int]) -> dict[EntityId, int]:
    """Slots for the speakers of one page (most quoted first), never two alike: each keeps its
    preferred slot unless someone before it on this page has it; the rest take the first free
    slot, and only a page with more than eight speakers goes past the first eight."""
    out: dict[EntityId, int] = {}
    used: set[int] = set()
    waiting = []
    for s in speakers:
        p = prefer.get(s)
        if p is not None and p not in used:
            out[s] = p
            used.add(p)
        else:
            waiting.append(s)
    free = (c for c in range(len(speakers) + SAFE) if c not in used)
    for s in waiting:
        out[s] = next(free)
    return out


@dataclass(frozen=True)
class Colours:
    """The colours of a corpus's speakers: their preferred slots and the palette, both schemes,
    each colour with its ink."""

    prefer: Mapping[EntityId, int]
    light: tuple[str, ...]
    dark: tuple[str, ...]
    light_inks: tuple[str, ...]
    dark_inks: tuple[str, ...]

    def on_page(self, speakers: Sequence[EntityId]) -> tuple[SpeakerColour, ...]:
        chosen = slots(speakers, self.prefer)
        return tuple(SpeakerColour(s, i, self.light[i], self.dark[i], self.light_inks[i], self.dark_inks[i])
                     for s, i in sorted(chosen.items()))

    def named(self, speakers: Sequence[EntityId]) -> str:
        """on_page(speakers) as one string: equal when on_page is (what a page's inputs hold of
        its colours; a tuple of records was 100 objects to hash for a document's page)."""
        light, dark, light_inks, dark_inks = self.light, self.dark, self.light_inks, self.dark_inks
        return "\n".join(f"{s}\t{i}\t{light[i]}\t{dark[i]}\t{light_inks[i]}\t{dark_inks[i]}"
                         for s, i in sorted(slots(speakers, self.prefer).items()))


def colours(together: Sequence[Sequence[EntityId]], most_on_a_page: int) -> Colours:
    """Colours for a corpus whose pages show at most `most_on_a_page` speakers."""
    n = max(most_on_a_page, SAFE)
    light, dark = palette(n, LIGHT, (0.32, 0.45, 0.58)), palette(n, DARK, (0.55, 0.68, 0.8))
    return Colours(preferred(together), tuple(light), tuple(dark), tuple(map(ink, light)), tuple(map(ink, dark)))
