"""The move of the slide text from HTML to Markdown, checked in Chromium: nothing was lost."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright import sync_api

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
PROJECT = Path(__file__).resolve().parent.parent

if not Path(CHROMIUM).exists():
    pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)


def test_slides_and_their_figures_are_those_of_the_html_deck_before_markdown(tmp_path_factory, fit_cache):
    """Slide text moved from HTML to Markdown: the same slides, showing the same figures.

    Built from deck.toml as it was then (tests/data/before_markdown/), compared with what Chromium
    read from the HTML deck of that commit.
    """
    import json

    from bdl_demo.build.cli import main

    before = PROJECT / "tests" / "data" / "before_markdown"
    expected = json.loads((before / "structure.json").read_text())
    root = tmp_path_factory.mktemp("before")
    assert main(["-q", "--quality", "draft", "--config", str(before / "deck.toml"),
                 "--out", str(root / "slides"), "--images", str(root / "images")]) == 0
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else route.abort())
        page.goto((root / "slides" / "index.html").as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=15_000)
        slides = page.evaluate("""() => Reveal.getSlides().map(s => {
            const {h, v} = Reveal.getIndices(s);
            return {h, v: v === undefined ? null : v,
                    figures: [...s.querySelectorAll('img')].map(i => i.getAttribute('src').split('/').pop().replace('.svg', ''))};
        })""")
        browser.close()
    assert len(slides) == expected["count"]
    assert slides == expected["slides"]
