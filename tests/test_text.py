"""scarbot.text: the one definition of "a figure" and of a figure being supported by a quote."""

from __future__ import annotations

import pytest

from scarbot.text import FIGURE, figures, figures_supported, parse_figures


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # money
        ("It costs $1,500 per session.", ["$1,500"]),
        ("about ~$454 with PRP", ["~$454"]),
        ("costs $500.", ["$500"]),
        ("$ 500", ["$500"]),
        ("USD 400 or 400 usd", ["$400", "$400"]),
        ("KRW 500,000", ["₩500,000"]),
        ("€20", ["€20"]),
        # ranges: both ends, however they are joined
        ("$300 - $991", ["$300", "$991"]),
        ("$300–$991", ["$300", "$991"]),
        ("$300 — $991", ["$300", "$991"]),
        ("$300 to $991", ["$300", "$991"]),
        ("$300-991", ["$300", "$991"]),  # the currency written once belongs to both ends
        ("| Microneedling | $225 - $600 | $500 | $400 - $530 (with PRP) | - |",
         ["$225", "$600", "$500", "$400", "$530"]),
        # percentages
        ("96% were satisfied", ["96%"]),
        ("96 percent", ["96%"]),
        ("an improvement of 60-70%", ["60%", "70%"]),
        ("60% to 70%", ["60%", "70%"]),
        # plain numbers and their ranges
        ("Usually 4-6 sessions", ["4", "6"]),
        ("12–14 days", ["12", "14"]),
        ("1.5 mm deep", ["1.5"]),
        ("1, 2 and 3", ["1", "2", "3"]),
        ("in 2023", ["2023"]),
        # not figures: digits in names, citation markers
        ("CO2 laser resurfacing", []),
        ("PDO3 threads", []),
        ("after COVID-19", []),
        ("The article doesn't say [1][2].", []),
        ("as quoted [1, 2] and [3-4]", []),
        ("Fractional CO2 lasers cost $800 [2]", ["$800"]),
        ("", []),
    ],
)
def test_figures(text: str, expected: list[str]) -> None:
    assert figures(text) == expected


def test_mixed_kinds_are_not_one_range() -> None:
    assert figures("$5 - 10%") == ["$5", "10%"]
    assert figures("$5 - €10") == ["$5", "€10"]


def test_parse_figures_gives_comparable_values() -> None:
    a, b = parse_figures("$1,500 and 1500")
    assert (a.currency, a.value, a.percent) == ("$", "1500", False)
    assert (b.currency, b.value) == ("", "1500")
    assert str(a) == "$1,500"


def test_the_regex_is_exported_for_callers_that_only_search() -> None:
    assert FIGURE.search("costs $500")
    assert not FIGURE.search("CO2 and PDO3")


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("Microneedling costs $225 - $600.", "| Microneedling | $225 - $600 | $500 |"),
        ("$300 to $991", "$300–$991"),
        ("$300–$991", "$300 - $991"),
        ("$300 - $991", "$300 to $991"),
        ("from $300", "$300–$991"),  # a range's end is a figure of the quote
        ("500 per session", "$500 per session"),  # without "$" is fine when the quote has "$500"
        ("$1500", "$1,500"),
        ("about $454", "~$454"),
        ("60-70%", "an improvement of 60–70%"),
        ("60% to 70%", "an improvement of 60-70%"),
        ("Usually 4–6 sessions [1]", "Sessions: Usually 4-6 treatments"),
        ("CO2 laser", "Lasers"),  # no figure to support
        ("No price is given.", ""),
    ],
)
def test_supported(text: str, quote: str) -> None:
    assert figures_supported(text, quote)


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("$1", "$1,500"),  # a prefix of a figure is not that figure
        ("$500", "$1,500"),  # a suffix neither
        ("$150", "$1,500"),
        ("$500", "500 sessions"),  # the quote does not say dollars
        ("96", "96%"),  # a percentage is not a plain number
        ("96%", "96"),
        ("$225 - $650", "$225 - $600"),  # one wrong end
        ("4-8 sessions", "4-6 sessions"),
        ("€500", "$500"),
        ("15%", "15 sessions"),
        ("$20", "$2,000"),
    ],
)
def test_not_supported(text: str, quote: str) -> None:
    assert not figures_supported(text, quote)
