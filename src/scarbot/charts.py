"""Price range charts as self-contained inline SVG: no plotting library, nothing fetched, every label escaped.

A chart shows, for one procedure, the low–high range per country from the article's cost table.
Cells the article leaves as "-" (``low``/``high`` is ``None``) are drawn as "no figure", never as zero,
so a patient is not misled into reading a missing price as a free one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape

from scarbot.types import PriceRow

_KOREA_NAMES = {"korea", "south korea", "republic of korea", "s. korea"}

# Layout (px in the viewBox; the SVG scales to its container width).
_WIDTH = 520
_LABEL_W = 112
_RANGE_W = 104
_ROW_H = 30
_TOP = 52
_BOTTOM = 34
_PAD_R = 16

_BAR = "#94a3b8"
_BAR_KOREA = "#e11d48"
_TEXT = "#1f2937"
_MUTED = "#6b7280"
_GRID = "#e5e7eb"


def is_korea(country: str) -> bool:
    """True for the article's home country, which the chart highlights."""
    return country.strip().lower().replace("(usd)", "").strip() in _KOREA_NAMES


def chart_groups(rows: Iterable[PriceRow], min_countries: int = 2) -> list[list[PriceRow]]:
    """Group price rows by procedure, keeping only procedures priced in several countries.

    Only those make a comparison chart worth showing; a single-country answer is clearer as text.
    Groups keep the answer's order; a country repeated within a procedure is kept once.
    """
    groups: dict[str, list[PriceRow]] = {}
    for row in rows:
        seen = groups.setdefault(row.procedure, [])
        if all(r.country != row.country for r in seen):
            seen.append(row)
    return [g for g in groups.values() if len(g) >= min_countries]


def _bounds(row: PriceRow) -> tuple[float, float] | None:
    values = [v for v in (row.low, row.high) if v is not None and math.isfinite(v)]
    if not values:
        return None
    return min(values), max(values)


def _nice_axis(value: float) -> tuple[float, int]:
    """Axis end rounded up to 1, 2, 2.5 or 5 times a power of ten, and a tick count giving round steps."""
    if value <= 0:
        return 1.0, 5
    exp = 10 ** math.floor(math.log10(value))
    for m, ticks in ((1, 5), (2, 4), (2.5, 5), (5, 5), (10, 5)):
        if value <= m * exp:
            return m * exp, ticks
    return 10 * exp, 5  # pragma: no cover - loop always returns


def _money(v: float) -> str:
    return f"${v:,.0f}"


def range_label(row: PriceRow) -> str:
    """The text shown at the end of a row: "$300–$1,500", "$500", or "no figure"."""
    b = _bounds(row)
    if b is None:
        return "no figure"
    lo, hi = b
    return _money(lo) if lo == hi else f"{_money(lo)}–{_money(hi)}"


def price_chart_svg(rows: list[PriceRow], title: str | None = None) -> str:
    """One procedure's price ranges by country as an SVG string (safe to embed in HTML).

    Korea is drawn in the accent colour with a bold label; rows without a figure say "no figure".
    """
    if not rows:
        return ""
    procedure = rows[0].procedure
    title = title or f"{procedure}: price range (USD)"
    priced = [b for b in (_bounds(r) for r in rows) if b is not None]
    axis_max, ticks = _nice_axis(max((hi for _, hi in priced), default=1.0))
    plot_x0 = _LABEL_W
    plot_w = _WIDTH - _LABEL_W - _RANGE_W - _PAD_R
    height = _TOP + _ROW_H * len(rows) + _BOTTOM

    def x(v: float) -> float:
        return round(plot_x0 + plot_w * v / axis_max, 1)

    desc = "; ".join(f"{r.country}: {range_label(r)}" for r in rows)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="scarbot-chart" role="img" '
        f'viewBox="0 0 {_WIDTH} {height}" width="100%" style="max-width:{_WIDTH}px;height:auto" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
        f'<text x="0" y="20" font-size="15" font-weight="600" fill="{_TEXT}">{escape(title)}</text>',
        f'<text x="0" y="38" font-size="11.5" fill="{_MUTED}">Per session or treatment, from the article\'s '
        f"cost table. \u201cno figure\u201d: the article gives none.</text>",
    ]
    # Grid and axis ticks.
    axis_y = _TOP + _ROW_H * len(rows)
    for i in range(ticks + 1):
        v = axis_max * i / ticks
        xv = x(v)
        out.append(f'<line x1="{xv}" y1="{_TOP - 4}" x2="{xv}" y2="{axis_y}" stroke="{_GRID}" />')
        out.append(
            f'<text x="{xv}" y="{axis_y + 16}" text-anchor="middle" font-size="11" fill="{_MUTED}">'
            f"{escape(_money(v))}</text>"
        )
    for i, row in enumerate(rows):
        cy = _TOP + _ROW_H * i + _ROW_H / 2
        korea = is_korea(row.country)
        colour = _BAR_KOREA if korea else _BAR
        weight = "700" if korea else "400"
        label = escape(row.country)
        cell = escape(row.text or range_label(row))
        out.append(f'<g class="row{" korea" if korea else ""}" data-country="{label}">')
        out.append(f"<title>{label}: {cell}</title>")
        out.append(
            f'<text x="{_LABEL_W - 10}" y="{cy + 4}" text-anchor="end" font-weight="{weight}" '
            f'fill="{_TEXT}">{label}</text>'
        )
        b = _bounds(row)
        if b is None:
            out.append(
                f'<text x="{plot_x0 + 4}" y="{cy + 4}" font-style="italic" fill="{_MUTED}">no figure</text>'
            )
        else:
            lo, hi = b
            if lo == hi:
                out.append(f'<circle cx="{x(lo)}" cy="{cy}" r="6" fill="{colour}" />')
            else:
                w = max(x(hi) - x(lo), 3)
                out.append(
                    f'<rect x="{x(lo)}" y="{cy - 7}" width="{w}" height="14" rx="4" fill="{colour}" />'
                )
        out.append(
            f'<text x="{plot_x0 + plot_w + 10}" y="{cy + 4}" font-weight="{weight}" '
            f'fill="{_MUTED if b is None else _TEXT}">{escape(range_label(row))}</text>'
        )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def price_charts_html(rows: Iterable[PriceRow]) -> str:
    """All charts an answer deserves (one per procedure priced in several countries), or ""."""
    charts = [price_chart_svg(g) for g in chart_groups(rows)]
    if not charts:
        return ""
    return "".join(f'<figure class="scarbot-figure">{svg}</figure>' for svg in charts)


def price_chart_html(rows: list[PriceRow], title: str | None = None) -> str:
    """The same chart as HTML (one line, no blank lines), for inside a chat message.

    Bars are positioned with inline percentages, so the chart follows the width of its bubble from a
    390 px phone to a desktop column; every label is real text (readable, selectable, searchable).
    """
    if not rows:
        return ""
    procedure = rows[0].procedure
    title = title or f"{procedure}: price range (USD)"
    priced = [b for b in (_bounds(r) for r in rows) if b is not None]
    axis_max, _ = _nice_axis(max((hi for _, hi in priced), default=1.0))
    out = [f'<figure class="scarbot-chart"><figcaption>{escape(title)}</figcaption>']
    for row in rows:
        korea = is_korea(row.country)
        b = _bounds(row)
        if b is None:
            bar = ""
        else:
            lo, hi = b
            left = 100 * lo / axis_max
            width = max(100 * (hi - lo) / axis_max, 1.5)
            left = min(left, 100 - width)
            bar = f'<span class="scarbot-chart-bar" style="left:{left:.1f}%;width:{width:.1f}%"></span>'
        out.append(
            f'<div class="scarbot-chart-row{" korea" if korea else ""}{" none" if b is None else ""}">'
            f'<span class="scarbot-chart-country">{escape(row.country)}</span>'
            f'<span class="scarbot-chart-track">{bar}</span>'
            f'<span class="scarbot-chart-range">{escape(range_label(row))}</span></div>'
        )
    out.append(f'<div class="scarbot-chart-note">Bars on a scale up to {escape(_money(axis_max))}, per session or '
               "treatment, from the article\u2019s cost table; \u201cno figure\u201d: the article gives none."
               "</div></figure>")
    return "".join(out)


def price_charts_inline(rows: Iterable[PriceRow]) -> str:
    """All HTML charts an answer deserves (one per procedure priced in several countries), or ""."""
    return "".join(price_chart_html(g) for g in chart_groups(rows))
