"""The tour's two pages in a real headless Chromium: they load from the file alone, every
figure decodes, nothing is fetched, nothing overflows at phone or desktop width, the Korean
page shows Hangul, figures zoom and the contents link floats."""

from __future__ import annotations

import re

import pytest

import browser
from actlab.analysis import tour

WIDTHS = (390, 1400)
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("tour")
    result = tour.run(out, quick=True)
    return result.pages


def _open(chromium, path, width):
    ctx = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    page = ctx.new_page()
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    here = path.resolve().as_uri()
    pages_of_the_report = {p.resolve().as_uri() for p in path.parent.glob("index*.html")}

    def guard(route):  # the report's own two pages and data: URIs; anything else is a leak
        url = route.request.url
        if url in pages_of_the_report or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()
    page.route("**/*", guard)
    page.goto(here, wait_until="load")
    return ctx, page, errors, outside


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_loads_alone_with_every_figure_and_no_overflow(chromium, pages, lang, width):
    path = pages[lang]
    ctx, page, errors, outside = _open(chromium, path, width)
    try:
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, "
                               "i.src.slice(0, 21)])")
        assert len(images) >= 15
        assert all(c and w > 0 and src == "data:image/png;base64" for c, w, src in images), images
        assert page.evaluate("document.documentElement.lang") == lang
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"page is {scroll} px wide in a {inner} px window"
        # wide tables scroll inside their own box, never the page
        boxes = page.evaluate("Array.from(document.querySelectorAll('.scroll')).map(d => "
                              "[d.getBoundingClientRect().right, getComputedStyle(d).overflowX])")
        assert boxes and all(right <= inner + 0.5 and ov == "auto" for right, ov in boxes)
        text = page.inner_text("body")
        hangul = len(HANGUL.findall(text))
        if lang == "ko":
            assert hangul > 2000
        else:
            assert hangul < 10  # only the link to the Korean page
        assert errors == [] and outside == []
        shots = browser.screenshot_dir()
        if shots is not None:
            page.screenshot(path=str(shots / f"tour-{lang}-{width}.png"), full_page=False)
    finally:
        ctx.close()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_figures_zoom_and_the_contents_link_floats(chromium, pages, lang):
    ctx, page, errors, outside = _open(chromium, pages[lang], 390)
    try:
        fig = page.locator("figure").first
        fig.locator("img").click()
        assert "zoomed" in fig.get_attribute("class")
        box = fig.bounding_box()
        assert box["width"] == pytest.approx(390, abs=1)  # fills the phone screen
        page.keyboard.press("Escape")
        assert "zoomed" not in (fig.get_attribute("class") or "")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        top = page.locator("a.totop")
        assert top.is_visible()
        b = top.bounding_box()
        assert b["y"] + b["height"] <= 900 and b["x"] + b["width"] <= 390  # on screen at the bottom
        top.click()
        page.wait_for_function("Math.abs(document.getElementById('contents').getBoundingClientRect().top) < 5")
        assert errors == [] and outside == []
    finally:
        ctx.close()


def test_the_two_pages_link_to_each_other(chromium, pages):
    ctx, page, errors, _ = _open(chromium, pages["en"], 1400)
    try:
        page.click("header .langs a")
        page.wait_for_load_state("load")
        assert page.url.endswith("/index.ko.html")
        assert page.evaluate("document.documentElement.lang") == "ko"
        page.click("header .langs a")
        page.wait_for_load_state("load")
        assert page.url.endswith("/index.html") and page.evaluate("document.documentElement.lang") == "en"
        assert errors == []
    finally:
        ctx.close()
