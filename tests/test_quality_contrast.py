"""Colours pass WCAG AA, in both colour schemes: the page's text colours, and the speaker
colours of builder/html/colours.py as style.css uses them (the chip's ink on the colour, the
quoted words on the colour's tint: --q-tint of it mixed into --bg, as color-mix does in sRGB).
axe only sees the colours the example corpus happens to use; this checks the whole palette.
"""

from __future__ import annotations

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


def luminance(c: tuple[float, float, float]) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = map(lin, c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(colour: tuple[float, float, float], back: tuple[float, float, float], share: float) -> tuple[float, float, float]:
    """color-mix(in srgb, colour share, back): per channel in gamma-encoded sRGB, rounded to 8 bits."""
    return tuple(round((c * share + b * (1 - share)) * 255) / 255 for c, b in zip(colour, back))  # type: ignore[return-value]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_speaker_colour_passes_aa(scheme):
    from builder.html import colours

    v = variables(CSS.read_text("utf-8"), scheme)
    bg, fg = rgb_hex(v["--bg"]), rgb_hex(v["--fg"])
    share = float(v["--q-tint"].rstrip("%")) / 100
    made = colours.colours([], 40)
    low = {}
    for hex_colour in (made.light if scheme == "light" else made.dark):
        colour = rgb_hex(hex_colour)
        checks = {
            "chip (its ink on the colour)": contrast(rgb_hex(colours.ink(hex_colour)), colour),
            "quoted words (--fg on the tint)": contrast(fg, mix(colour, bg, share)),
        }
        low.update({f"{name}, {hex_colour}": round(r, 2) for name, r in checks.items() if r < 4.5})
    badge = contrast((1.0, 1.0, 1.0), rgb_hex(v["--conflict-mark"]))
    if badge < 4.5:
        low["≠ badge (white on --conflict-mark)"] = round(badge, 2)
    assert low == {}, f"{scheme}: below AA: {low}"


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
