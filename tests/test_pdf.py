"""`--pdf` and `--pdf-notes`: the real draft deck printed by headless chromium, one page per slide.

Chromium is Debian's (.ci/run installs it); without it these tests fail rather than skip.
"""
from __future__ import annotations

import re
import shutil

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium
from playwright import sync_api

from bdl_demo.export import pdf
from bdl_demo.export.pdf import PdfError, export_pdf

pytestmark = pytest.mark.browser


require_chromium()


@pytest.fixture(scope="module")
def printed(real_deck, tmp_path_factory):
    """Both PDFs of the real deck and what export_pdf said."""
    folder = tmp_path_factory.mktemp("pdf")
    result = {}
    for name, notes in (("deck", False), ("notes", True)):
        pages = export_pdf(real_deck, folder / f"{name}.pdf", notes=notes)
        result[name] = {"pages": pages, "bytes": (folder / f"{name}.pdf").read_bytes()}
    return result


@pytest.fixture(scope="module")
def total_slides(real_deck) -> int:
    """Reveal.getTotalSlides() of the deck on screen, with every request off the machine refused."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else route.abort())
        page.goto((real_deck / "index.html").as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=15_000)
        total = page.evaluate("document.querySelectorAll('.reveal .slides section:not(:has(section))').length")  # the appendix's too
        browser.close()
    return total


def pages_of(data: bytes) -> int:
    """Page objects counted, checked against the page tree's own /Count."""
    objects = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data))
    tree = max(int(count) for count in re.findall(rb"/Count\s+(\d+)", data))
    assert objects == tree
    return objects


def page_sizes(data: bytes) -> set[tuple[float, float]]:
    return {(float(w), float(h)) for w, h in re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)}


@pytest.mark.parametrize("name", ["deck", "notes"])
def test_one_page_per_slide(printed, total_slides, name):
    assert total_slides >= 40
    assert printed[name]["pages"] == total_slides
    assert pages_of(printed[name]["bytes"]) == total_slides


@pytest.mark.parametrize("name", ["deck", "notes"])
def test_equations_are_typeset_with_katex_fonts(printed, name):
    # Raw TeX would be printed in the theme's font: KaTeX's own fonts appear only once it has typeset.
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([\w-]+)", printed[name]["bytes"]))
    assert {b"KaTeX_Main-Regular", b"KaTeX_Math-Italic"} <= fonts


def test_pages_are_slide_shaped_and_notes_pages_taller(printed):
    (width, height), = page_sizes(printed["deck"]["bytes"])
    assert width / height == pytest.approx(1280 / 720, rel=0.01)
    (notes_width, notes_height), = page_sizes(printed["notes"]["bytes"])
    assert notes_width == width and notes_height > height * 1.1  # the notes sit under the slide


def test_nothing_leaves_the_machine_while_printing(real_deck, tmp_path):
    """A deck that asks for a remote file: the request is refused, and the PDF says so."""
    deck = tmp_path / "slides"
    shutil.copytree(real_deck, deck)
    index = deck / "index.html"
    index.write_text(index.read_text().replace("</h2>", '</h2><img src="https://example.org/x.svg" alt="remote">', 1))
    with pytest.raises(PdfError, match="figure did not load: https://example.org/x.svg"):
        export_pdf(deck, tmp_path / "deck.pdf")
    assert not (tmp_path / "deck.pdf").exists()


def test_missing_chromium_says_how_to_install_it(real_deck, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    monkeypatch.setattr(pdf.os, "access", lambda path, mode: False)
    with pytest.raises(PdfError, match="apt-get install -y chromium"):
        export_pdf(real_deck, tmp_path / "deck.pdf")
    assert not (tmp_path / "deck.pdf").exists()


def test_missing_deck_is_an_error(tmp_path):
    with pytest.raises(PdfError, match="index.html is missing"):
        export_pdf(tmp_path, tmp_path / "deck.pdf")
