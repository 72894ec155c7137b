"""Speaker colours pass WCAG AA for every hue, in both colour schemes.

static/speakers.css gives each speaker a --hue (spread by the golden angle, so any hue
can occur); style.css derives the colours from it with --q-s/--q-l (chips, swatches, the
line under a quote) and --q-bg-s/--q-bg-l (the tint behind quoted words). axe only sees
the hues of the example corpus, so this test checks all 360 from the stylesheet itself.
"""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "themes" / "default" / "static" / "style.css"


def variables(css: str, scheme: str) -> dict[str, str]:
    light = re.search(r":root\s*\{(.*?)\}", css, re.S)
    dark = re.search(r"prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{(.*?)\}", css, re.S)
    assert light and dark, "style.css should define :root colours and a dark :root override"
    out = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", light.group(1)))
    if scheme == "dark":
        out.update(re.findall(r"(--[\w-]+):\s*([^;]+);", dark.group(1)))
    return out


def rgb_hex(value: str) -> tuple[float, float, float]:
    h = value.strip().lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def hsl(hue: float, s: str, lum: str) -> tuple[float, float, float]:
    return colorsys.hls_to_rgb(hue / 360, float(lum.rstrip("%")) / 100, float(s.rstrip("%")) / 100)


def luminance(c: tuple[float, float, float]) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = map(lin, c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_speaker_hue_passes_aa(scheme):
    v = variables(CSS.read_text("utf-8"), scheme)
    bg, fg, panel = rgb_hex(v["--bg"]), rgb_hex(v["--fg"]), rgb_hex(v["--panel"])
    worst: dict[str, tuple[float, int]] = {}
    for hue in range(360):
        colour = hsl(hue, v["--q-s"], v["--q-l"])
        tint = hsl(hue, v["--q-bg-s"], v["--q-bg-l"])
        checks = {
            "chip initials (--bg on the speaker colour)": (contrast(bg, colour), 4.5),
            "quoted words (--fg on the tint)": (contrast(fg, tint), 4.5),
            "swatch and underline against the page": (contrast(colour, bg), 3.0),
            "swatch against a panel (listings)": (contrast(colour, panel), 3.0),
            "quote underline against its tint": (contrast(colour, tint), 3.0),
        }
        for name, (ratio, need) in checks.items():
            if ratio < need and (name not in worst or ratio < worst[name][0]):
                worst[name] = (round(ratio, 2), hue)
    assert worst == {}, f"{scheme}: below AA (ratio, hue): {worst}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_colours_pass_aa(scheme):
    v = variables(CSS.read_text("utf-8"), scheme)
    bg, panel = rgb_hex(v["--bg"]), rgb_hex(v["--panel"])
    low = {}
    for name in ("--fg", "--muted", "--link", "--link-visited", "--accent", "--del", "--ins", "--conflict"):
        for where, back in (("page", bg), ("panel", panel)):
            ratio = contrast(rgb_hex(v[name]), back)
            if ratio < 4.5:
                low[f"{name} on {where}"] = round(ratio, 2)
    for name in ("--mark", "--note-hl"):
        ratio = contrast(rgb_hex(v["--fg"]), rgb_hex(v[name]))
        if ratio < 4.5:
            low[f"--fg on {name}"] = round(ratio, 2)
    assert low == {}, f"{scheme}: {low}"
