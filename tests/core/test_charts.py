"""Server-side SVG charts: accessible (role, title, description), escaped, proportional."""

import re
import xml.etree.ElementTree as ET

from passnum.core.charts import bar_chart, time_series

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output)


def test_bar_chart_is_an_accessible_image_with_bars_in_proportion():
    svg = bar_chart("Par lieu", [("Médiathèque", 300), ("EPN", 150), ("Fablab", 0)])
    root = parse(svg)
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text == "Par lieu"
    assert desc is not None and "Médiathèque : 300" in (desc.text or "")
    assert title.get("id") in (root.get("aria-labelledby") or "").split()
    widths = [float(rect.get("width") or 0) for rect in root.iter(f"{SVG}rect")]
    assert len(widths) == 3
    assert widths[0] == 2 * widths[1] and widths[2] == 0


def test_labels_are_escaped_and_values_formatted():
    svg = bar_chart(
        "<script>", [("<b>&co</b>", 1234)], format_value=lambda cents: f"{cents / 100:.2f} €"
    )
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "<b>&co</b>" in texts and "12.34 €" in texts


def test_bar_chart_shows_at_most_max_bars_and_draws_empty_data():
    svg = bar_chart("x", [(str(i), i + 1) for i in range(30)], max_bars=5)
    assert len(list(parse(svg).iter(f"{SVG}rect"))) == 5
    empty = parse(bar_chart("rien", []))
    assert list(empty.iter(f"{SVG}rect")) == []


def test_time_series_puts_the_largest_value_at_the_top():
    svg = time_series("Par mois", [("janvier", 10), ("février", 40), ("mars", 20)])
    root = parse(svg)
    assert root.get("role") == "img"
    line = root.find(f"{SVG}polyline")
    assert line is not None
    points = [tuple(map(float, pair.split(","))) for pair in (line.get("points") or "").split()]
    ys = [y for _, y in points]
    assert ys.index(min(ys)) == 1  # SVG y grows downwards: the highest point is February
    xs = [x for x, _ in points]
    assert xs == sorted(xs)
    assert "40" in [text.text for text in root.iter(f"{SVG}text")]


def test_time_series_of_one_point_and_of_none():
    one = parse(time_series("un", [("mars", 5)]))
    assert len(list(one.iter(f"{SVG}circle"))) == 1
    none = parse(time_series("aucun", []))
    assert list(none.iter(f"{SVG}circle")) == []


def test_each_chart_gets_its_own_ids():
    first, second = bar_chart("a", [("x", 1)]), bar_chart("b", [("x", 1)])
    ids = re.findall(r'id="([^"]+)"', first + second)
    assert len(ids) == len(set(ids))
