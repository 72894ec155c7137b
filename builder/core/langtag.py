"""Language tags (BCP 47, RFC 5646): is a `language` value well-formed, and if not, what to write.

Only the form is checked, not the IANA registry: `en-GB`, `zh-Hant-TW`, `sr-Latn`, `es-419`,
`de-CH-1996` and `x-private` are taken, `en_GB` and `English` are not. The primary language
subtag must have two or three letters (ISO 639): the RFC's longer forms are reserved, no
language has one, and they would let a language's name (`english`) through.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"""
    (?:
        [a-z]{2,3}(?:-[a-z]{3}){0,3}                # language, extended language subtags
        (?:-[a-z]{4})?                              # script
        (?:-(?:[a-z]{2}|[0-9]{3}))?                 # region
        (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*    # variants
        (?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*         # extensions
        (?:-x(?:-[a-z0-9]{1,8})+)?                  # private use
      | x(?:-[a-z0-9]{1,8})+                        # private use alone
      | en-gb-oed | i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)
      | sgn-(?:be-fr|be-nl|ch-de)                   # the irregular grandfathered tags
    )
""", re.VERBOSE | re.IGNORECASE | re.ASCII)

# The names authors write most often in place of a code.
_BY_NAME = {
    "arabic": "ar", "chinese": "zh", "dari": "prs", "dutch": "nl", "english": "en", "farsi": "fa", "french": "fr",
    "german": "de", "greek": "el", "hebrew": "he", "hindi": "hi", "italian": "it", "japanese": "ja",
    "korean": "ko", "pashto": "ps", "persian": "fa", "polish": "pl", "portuguese": "pt", "russian": "ru",
    "spanish": "es", "swedish": "sv", "turkish": "tr", "ukrainian": "uk", "urdu": "ur",
}

EXAMPLES = "a language code, then optionally script and region: en, en-GB, fr, pt-BR, zh-Hant-TW, sr-Latn"


def problem(tag: str) -> tuple[str, str] | None:
    """None if `tag` is a well-formed BCP 47 language tag, else (what is wrong, what to write)."""
    if _TAG.fullmatch(tag):
        return None
    shown = repr(tag) if not tag.isprintable() else f"'{tag}'"
    wrong = f"{shown} is not a BCP 47 language tag"
    stripped = tag.strip()
    if stripped != tag and _TAG.fullmatch(stripped):
        return wrong, f"write '{stripped}', without spaces or line breaks around it"
    joined = re.sub(r"[\s_]+", "-", stripped)
    if joined != stripped and _TAG.fullmatch(joined):
        return wrong, f"write '{joined}': the parts of a tag are joined with '-'"
    code = _BY_NAME.get(stripped.lower())
    if code:
        return wrong, f"write the language's code, not its name: '{code}' ({EXAMPLES})"
    return wrong, f"write {EXAMPLES}"
