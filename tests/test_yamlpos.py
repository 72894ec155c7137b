"""YAML with positions: values as the safe loader reads them, each with its line and column."""

from __future__ import annotations

import pytest

from builder.read import yamlpos


def test_values_and_positions() -> None:
    loaded, diags = yamlpos.load("quotes:\n  - text: Hello\n    occurrence: 2\n", "a.yaml")
    assert diags == () and loaded is not None
    assert loaded.value == {"quotes": [{"text": "Hello", "occurrence": 2}]}
    assert loaded.where(("quotes", 0, "text")) == (2, 11)
    assert loaded.where(("quotes", 0, "occurrence", yamlpos.KEY)) == (3, 5)
    assert loaded.where(("quotes", 0, "nope")) == (2, 5), "a missing key falls back to its parent"


@pytest.mark.parametrize("source, value", [
    ("1", 1), ("-3", -3), ("1_000", 1000), ("'1'", "1"), ('"1"', "1"), ("1.5", 1.5), ("~", None), ("", None),
    ("null", None), ("true", True), ("No", False), ("2024-05-28", "2024-05-28"), ("2017?", "2017?"),
    ("0x1f", "0x1f"), ("text: more", None),
])
def test_scalars(source: str, value: object) -> None:
    loaded, diags = yamlpos.load(f"k: {source}\n", "a.yaml")
    if source == "text: more":
        assert loaded is None and "YAML syntax error" in diags[0].message
    else:
        assert loaded is not None and loaded.value == {"k": value}


def test_empty_file_is_an_empty_mapping() -> None:
    loaded, diags = yamlpos.load("# nothing\n", "a.yaml")
    assert loaded is not None and loaded.value == {} and diags == ()


def test_billion_laughs_is_refused_at_once() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    loaded, diags = yamlpos.load(bomb, "bomb.yaml")
    assert loaded is None and "aliases" in diags[0].message


def test_duplicate_keys_are_errors() -> None:
    loaded, diags = yamlpos.load("a: 1\nb: 2\na: 3\n", "a.yaml")
    assert loaded is None and (diags[0].line, diags[0].message) == (3, "duplicate key 'a'")


def test_unclosed_quote_points_at_its_start() -> None:
    loaded, diags = yamlpos.load('a: ok\nb: "never closed\nc: x\n', "a.yaml")
    assert loaded is None and (diags[0].line, diags[0].column) == (2, 4)
    assert "never closed" in diags[0].hint


def test_deep_nesting_is_refused_without_recursion() -> None:
    for text in ("quotes: " + "[" * 50000 + "]" * 50000 + "\n",
                 "quotes:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 3000))):
        loaded, diags = yamlpos.load(text, "deep.yaml")
        assert loaded is None and "nested more than" in diags[0].message


def test_more_than_one_document_is_refused() -> None:
    loaded, diags = yamlpos.load("a: 1\n---\nb: 2\n", "a.yaml")
    assert loaded is None and diags[0].line == 2
