"""schemas.aliases: how an alias is matched, and the [[aliases]] entries an operator declares."""

from __future__ import annotations

import pytest

from schemas.aliases import DeclaredAlias, declared_aliases, name_key


def test_case_and_repeated_white_space_do_not_matter_and_nothing_else_is_folded() -> None:
    assert name_key("  Sunny  2BR\tBY the sea ") == name_key("sunny 2br by the sea") == "sunny 2br by the sea"
    assert name_key("Sunny 2BR by the sea!") != name_key("Sunny 2BR by the sea")
    assert name_key("Straße") == name_key("STRASSE")  # casefold, as the status map's labels


def test_declared_entries_are_kept_as_written_once_each() -> None:
    entries = [
        {"property": " Beach House ", "source": "airbnb", "alias": "Sunny 2BR"},
        {"property": "Beach House", "source": "airbnb", "alias": "sunny  2br"},  # the same alias again
        {"property": "Beach House", "source": "vrbo", "alias": "Sunny 2BR"},
    ]
    assert declared_aliases(entries) == (
        DeclaredAlias("Beach House", "airbnb", "sunny  2br"),
        DeclaredAlias("Beach House", "vrbo", "Sunny 2BR"),
    )


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"property": "x"}, "'aliases' must be a list of [[aliases]] tables"),
        (["x"], "[[aliases]] entry 1 is not a table"),
        ([{"property": "A", "source": "airbnb", "alias": " "}], "[[aliases]] entry 1: 'alias' must be a text"),
        (
            [{"property": "A", "source": "airbnb", "alias": "T"}, {"property": "B", "source": "airbnb", "alias": "t"}],
            "[[aliases]] entry 2: airbnb 't' is declared for 'A' already",
        ),
    ],
    ids=["not-a-list", "not-a-table", "blank", "two-houses"],
)
def test_a_bad_entry_is_named_with_what_is_wrong(entries: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        declared_aliases(entries)
    assert str(info.value).startswith(message)
