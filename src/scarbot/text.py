"""What counts as "a figure" in scarbot text: one definition for the answerer, the citation check
and the evaluation.

A figure is a number as a reader would quote it: an amount of money (``$1,500``, ``~$454``,
``USD 400``), a percentage (``96%``, ``96 percent``) or a plain number (``3``, ``12``). A range
(``$300 - $991``, ``$300–$991``, ``$300 to $991``, ``60-70%``, ``4-6``) is two figures, its ends;
a unit written once for the range (``60-70%``, ``$300-991``) belongs to both ends. Digits inside a
name (``CO2``, ``PDO3``, ``COVID-19``) and ``[n]`` citation markers are not figures.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["FIGURE", "Figure", "figures", "figures_supported", "parse_figures"]

_CURRENCY_CODES = {"USD": "$", "KRW": "₩", "EUR": "€", "GBP": "£"}
_CODE = "|".join(_CURRENCY_CODES)
# A number: thousands groups ("1,500" but not the "1" of "1, 2") or plain digits, optional decimals.
_NUMBER = r"\d{1,3}(?:,\d{3})+(?!\d|,\d)(?:\.\d+)?|\d+(?:\.\d+)?"

FIGURE = re.compile(
    rf"""
    (?P<approx>~\s?)?
    (?:
        (?P<symbol>[$€£¥₩])\s?                      # $500, € 20
      | (?P<code>\b(?:{_CODE}))\s?                  # USD 400, KRW500000
      | (?<![A-Za-z])(?<![A-Za-z]-)                 # not inside a name: CO2, PDO3, COVID-19
    )
    (?<![\d.])(?P<number>{_NUMBER})
    (?:
        \s?(?P<percent>%|\bpercent\b)               # 96%, 96 percent
      | \s?(?P<code_after>\b(?:{_CODE})\b)          # 400 USD
    )?
    """,
    re.VERBOSE | re.IGNORECASE,
)
# What may stand between the two ends of a range: a hyphen, an en or em dash, or "to".
_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|to)\s*", re.IGNORECASE)
_CITATION_MARK = re.compile(r"\[\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\]")


class Figure(NamedTuple):
    """One figure: ``currency`` is a symbol ("$", "₩", ...) or ""; ``number`` as written ("1,500")."""

    approx: bool
    currency: str
    number: str
    percent: bool

    def __str__(self) -> str:
        return f"{'~' if self.approx else ''}{self.currency}{self.number}{'%' if self.percent else ''}"

    @property
    def value(self) -> str:
        """The number without thousands separators: "1,500" and "1500" are the same figure."""
        return self.number.replace(",", "")

    @property
    def key(self) -> tuple[str, str, bool]:
        """What two mentions must share to be the same figure (approximation marks aside)."""
        return self.currency, self.value, self.percent


def _match_to_figure(m: re.Match[str]) -> Figure:
    code = m.group("code") or m.group("code_after")
    currency = m.group("symbol") or (_CURRENCY_CODES[code.upper()] if code else "")
    return Figure(bool(m.group("approx")), currency, m.group("number"), bool(m.group("percent")))


def parse_figures(text: str) -> list[Figure]:
    """Every figure in ``text`` in reading order, with a range's unit shared by both of its ends."""
    text = _CITATION_MARK.sub(" ", text)
    found: list[tuple[Figure, int, int]] = [(_match_to_figure(m), m.start(), m.end()) for m in FIGURE.finditer(text)]
    out = [f for f, _, _ in found]
    for i in range(len(found) - 1):
        (a, _, a_end), (b, b_start, _) = found[i], found[i + 1]
        if not _RANGE_JOIN.fullmatch(text[a_end:b_start]):
            continue
        a, b = out[i], out[i + 1]
        currency = a.currency or b.currency
        percent = a.percent or b.percent
        if (a.currency and b.currency and a.currency != b.currency) or ((a.currency or b.currency) and percent):
            continue  # "$5 - 10%" is two different kinds of figure, not one range
        out[i] = a._replace(currency=currency, percent=percent)
        out[i + 1] = b._replace(currency=currency, percent=percent)
    return out


def figures(text: str) -> list[str]:
    """The figures of ``text`` as strings: ``"$300 – $991"`` → ``["$300", "$991"]``,
    ``"60-70%"`` → ``["60%", "70%"]``, ``"CO2 laser [1]"`` → ``[]``."""
    return [str(f) for f in parse_figures(text)]


def figures_supported(text: str, quote: str) -> bool:
    """Every figure of ``text`` is a figure of ``quote`` (a whole figure, not a substring).

    "$1" is not supported by "$1,500"; a range matches however its ends are joined ("-", "–",
    "to"); a figure written without its currency (``500``) is supported by the quote's ``$500``,
    but ``$500`` is not supported by a bare ``500``, nor ``96`` by ``96%``. ``~`` is ignored.
    """
    have = {f.key for f in parse_figures(quote)}
    bare = {(value, percent) for _, value, percent in have}
    for f in parse_figures(text):
        if f.key in have:
            continue
        if not f.currency and (f.value, f.percent) in bare:
            continue
        return False
    return True


COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10}
_UNITS_WORDS = {w: n for w, n in COUNT_WORDS.items() if n < 10}
_TEENS_WORDS = {"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
                "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
               "ninety": 90}
_SPELLED = re.compile(r"\b(?:(?P<tens>" + "|".join(_TENS_WORDS) + r")(?:[\s-](?P<unit>" + "|".join(_UNITS_WORDS) + r"))?"
                      r"|(?P<teen>" + "|".join(_TEENS_WORDS) + r")|(?:a|one)\s+hundred)\b", re.I)


def spelled_numbers(text: str) -> str:
    """Numbers above ten written in words as digits: "ninety percent" → "90 percent", "twenty-five" → "25"
    (one to ten are read as words where they are counts)."""
    def value(m: re.Match) -> str:
        if m.group("teen"):
            return str(_TEENS_WORDS[m.group("teen").lower()])
        if m.group("tens"):
            return str(_TENS_WORDS[m.group("tens").lower()] + _UNITS_WORDS.get((m.group("unit") or "").lower(), 0))
        return "100"
    return _SPELLED.sub(value, text)


# "where do I stay while I heal?" asks for somewhere to stay: not one treatment's recovery, nor a clinic's address
WHERE_STAY = re.compile(r"\s*(?:(?:and|so|but|then|ok|okay)[,\s]+)?where\b.*\b(?:stay|stays|staying|sleep|lodge|"
                        r"live|rest|recuperate)\b"
                        r"|.*\b(?:somewhere|anywhere|a place)\b(?:\s+[\w']+){0,3}?\s+(?:to\s+)?(?:stay|sleep|lodge|rest|"
                        r"recuperate|recover)\b", re.I)  # "anywhere for her to rest up after?"
