"""Product pictures: drawn from the category, a colour of the product's own and its name."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from stores import pictures
from stores.simulation.catalogue import NOUNS_BY_CATEGORY

SVG = "{http://www.w3.org/2000/svg}"


def test_a_picture_is_valid_svg_with_the_name_and_no_bare_letter():
    svg = pictures.product_svg("Nordic Table Lamp", "Home decor", "nordic-table-lamp")
    root = ET.fromstring(svg)
    words = " ".join(t.text for t in root.iter(f"{SVG}text"))
    assert words == "Nordic Table Lamp" and root.get("aria-hidden") == "true"
    assert len(list(root.iter())) > 4  # a drawing, not a letter on a square


def test_every_category_has_its_own_pictogram():
    shapes = {pictures.shape_for("Item", category) for category in NOUNS_BY_CATEGORY}
    assert "other" not in shapes and len(shapes) == len(NOUNS_BY_CATEGORY)
    assert pictures.shape_for("Custom Mug - Cat Club", "Drinkware") == "drinkware"


def test_colours_are_stable_and_differ_between_products():
    a = pictures.product_svg("Smart Timer", "Kitchen", "smart-timer")
    assert a == pictures.product_svg("Smart Timer", "Kitchen", "smart-timer")
    hues = {pictures.hue_for(f"product-{n}") for n in range(50)}
    assert len(hues) > 40


def test_names_are_escaped_and_long_names_wrapped():
    svg = pictures.product_svg(
        '<script>"x"</script> & a very long product name indeed', "Toys", "k"
    )
    root = ET.fromstring(svg)  # still parses: the name was escaped
    assert "<script>" not in svg
    assert len(list(root.iter(f"{SVG}text"))) == 2
