"""Unicode normalisation look-alikes: text that looks the same and is written with other code points."""

from __future__ import annotations

import unicodedata

_FORMS = {"NFC": "NFC, composed: é as one character", "NFD": "NFD, decomposed: e and a combining accent"}


def normalisation_form(text: str) -> str:
    return next((_FORMS[f] for f in ("NFC", "NFD") if unicodedata.is_normalized(f, text)), "a mixed form")


def normalisation_look_alike(text: str, phrase: str) -> str | None:
    """If `phrase` is not in `text` but its NFC or NFD form is (it looks the same, its code
    points differ): how each is written, for a message. Else None."""
    if phrase.isascii() or phrase in text:
        return None
    for form in ("NFC", "NFD"):
        other = unicodedata.normalize(form, phrase)
        if other != phrase and other in text:
            return f"the text writes it in {_FORMS[form]}; this is in {normalisation_form(phrase)}"
    return None
