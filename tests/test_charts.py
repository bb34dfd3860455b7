"""The price range chart: what a patient reads off it must match the article's cost table."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from scarbot.charts import (
    chart_groups,
    price_chart_html,
    price_chart_svg,
    price_charts_html,
    price_charts_inline,
    range_label,
)
from scarbot.types import PriceRow

SVG = "{http://www.w3.org/2000/svg}"


def row(country: str, low: float | None, high: float | None, text: str = "", proc: str = "Microneedling"):
    return PriceRow(proc, country, low, high, text or "-", "atrophic-scar-treatment-korea")


# The article's microneedling row: Korea $225-$600, USA $500, Australia $400-$530, Canada "-".
MICRONEEDLING = [
    row("South Korea", 225, 600, "$225 - $600"),
    row("USA", 500, 500, "$500"),
    row("Australia", 400, 530, "$400 - $530 (with PRP)"),
    row("Canada", None, None, "-"),
]


def groups_by_country(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("data-country"): g for g in root.iter(f"{SVG}g")}


def texts(el: ET.Element) -> list[str]:
    return [t.text or "" for t in el.iter(f"{SVG}text")]


def test_chart_is_well_formed_svg_with_one_row_per_country():
    svg = price_chart_svg(MICRONEEDLING)
    rows = groups_by_country(svg)
    assert list(rows) == ["South Korea", "USA", "Australia", "Canada"]
    assert "Microneedling" in ET.fromstring(svg).find(f"{SVG}title").text


def test_missing_figure_is_no_figure_never_zero():
    rows = groups_by_country(price_chart_svg(MICRONEEDLING))
    canada = rows["Canada"]
    assert "no figure" in texts(canada)
    assert "$0" not in " ".join(texts(canada))
    # No bar or dot is drawn for a country without a price.
    assert canada.find(f"{SVG}rect") is None and canada.find(f"{SVG}circle") is None


def test_bars_span_low_to_high_on_a_shared_axis():
    rows = groups_by_country(price_chart_svg(MICRONEEDLING))
    korea = rows["South Korea"].find(f"{SVG}rect")
    australia = rows["Australia"].find(f"{SVG}rect")
    k_x, k_w = float(korea.get("x")), float(korea.get("width"))
    a_x, a_w = float(australia.get("x")), float(australia.get("width"))
    # Korea starts lower ($225 < $400) and ends higher ($600 > $530) than Australia.
    assert k_x < a_x and k_x + k_w > a_x + a_w
    # Widths are proportional to the ranges: 375 vs 130 dollars.
    assert k_w / a_w == pytest.approx(375 / 130, rel=0.02)
    # A single figure is a dot, not a bar.
    usa = rows["USA"]
    assert usa.find(f"{SVG}rect") is None and usa.find(f"{SVG}circle") is not None
    assert "$500" in texts(usa)


def test_korea_is_highlighted_and_others_are_not():
    rows = groups_by_country(price_chart_svg(MICRONEEDLING))
    korea, usa = rows["South Korea"], rows["USA"]
    assert "korea" in korea.get("class").split()
    assert "korea" not in usa.get("class").split()
    assert korea.find(f"{SVG}rect").get("fill") != rows["Australia"].find(f"{SVG}rect").get("fill")


def test_labels_are_escaped_not_markup():
    evil = [row("<script>alert(1)</script>", 100, 200, '"><img src=x onerror=alert(1)>'), row("USA", 500, 500)]
    svg = price_chart_svg(evil, title="<b>title</b>")
    assert "<script" not in svg and "<img" not in svg and "<b>" not in svg
    # Still well-formed, and the text reads back exactly as given.
    rows = groups_by_country(svg)
    assert "<script>alert(1)</script>" in rows


def test_range_labels():
    assert range_label(row("Korea", 300, 1500)) == "$300–$1,500"
    assert range_label(row("USA", 1500, 1500)) == "$1,500"
    assert range_label(row("Australia", 230, None)) == "$230"
    assert range_label(row("Canada", None, None)) == "no figure"


def test_only_procedures_priced_in_several_countries_get_a_chart():
    single = [row("South Korea", 3000, 12000, proc="Stem Cell Therapy")]
    assert chart_groups(single) == []
    assert price_charts_html(single) == ""
    mixed = single + MICRONEEDLING
    groups = chart_groups(mixed)
    assert [g[0].procedure for g in groups] == ["Microneedling"]
    assert price_charts_html(mixed).count("<svg") == 1


def test_duplicate_country_rows_are_drawn_once():
    rows = MICRONEEDLING + [row("USA", 500, 500, "$500")]
    assert len(chart_groups(rows)[0]) == 4


def test_axis_ticks_are_round_dollar_amounts():
    laser = [row("South Korea", 300, 1500, proc="Laser"), row("Singapore", 1480, 2220, proc="Laser")]
    root = ET.fromstring(price_chart_svg(laser))
    ticks = [t.text for t in root.findall(f"{SVG}text") if t.get("text-anchor") == "middle"]
    assert ticks == ["$0", "$500", "$1,000", "$1,500", "$2,000", "$2,500"]


# --- the HTML form shown inside a chat answer -----------------------------------------------------------


def html_rows(html: str) -> dict[str, tuple[str, str]]:
    """country → (row classes, bar style) from the inline chart."""
    import re

    out = {}
    for classes, country, track in re.findall(
            r'<div class="scarbot-chart-row([^"]*)"><span class="scarbot-chart-country">([^<]*)</span>'
            r'<span class="scarbot-chart-track">(.*?)</span><span', html):
        style = re.search(r'style="([^"]*)"', track)
        out[country] = (classes.strip(), style.group(1) if style else "")
    return out


def test_inline_chart_positions_bars_in_percent_and_draws_no_bar_for_no_figure():
    html = price_chart_html(MICRONEEDLING)
    rows = html_rows(html)
    assert list(rows) == ["South Korea", "USA", "Australia", "Canada"]
    assert rows["South Korea"] == ("korea", "left:22.5%;width:37.5%")  # $225–$600 on a $1,000 scale
    assert rows["Canada"] == ("none", "")  # no bar, and the range says so
    assert ">no figure</span>" in html and "$0" not in html.split("scarbot-chart-note")[0]
    assert "\n\n" not in html  # one HTML block inside a Markdown message


def test_inline_chart_escapes_labels_and_only_compares():
    evil = [row("<b>X</b>", 1, 2, proc="<script>p</script>"), row("Y", 3, 4, proc="<script>p</script>")]
    html = price_charts_inline(evil)
    assert "<script>" not in html and "<b>" not in html and "&lt;b&gt;X&lt;/b&gt;" in html
    assert price_charts_inline(MICRONEEDLING[:1]) == ""  # one country: no chart
