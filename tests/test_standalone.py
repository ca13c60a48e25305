"""`--single-file`: the real draft deck as one HTML file, opened alone from an empty folder.

Every request other than the file itself and data: URIs is refused, so anything the file still
needed from beside it would show up as a blocked request. Chromium is Debian's; without it these
tests fail rather than skip.
"""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium
from playwright import sync_api

from bdl_demo.export.standalone import StandaloneError, write_standalone

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "standalone"

require_chromium()


def visible_text(page) -> str:
    """The slides' text outside equations, notes and code: where raw TeX would show."""
    return page.evaluate("""() => {
        const copy = document.querySelector('.reveal .slides').cloneNode(true);
        copy.querySelectorAll('.katex, aside.notes, pre').forEach(e => e.remove());
        return copy.textContent; }""")


def counts_of(browser, index: Path) -> dict:
    """Slides and equations the deck folder shows: what the one file must show too."""
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(index.as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady() && document.querySelector('.reveal .katex')",
                           timeout=15_000)
    counts = page.evaluate("({slides: Reveal.getTotalSlides(), "
                           "equations: document.querySelectorAll('.reveal .katex').length})")
    page.close()
    return counts


@pytest.fixture(scope="module")
def alone(real_deck, tmp_path_factory):
    """The one file, written by the build beside the deck and then copied alone into an empty folder."""
    written = tmp_path_factory.mktemp("written") / "deck-standalone.html"
    size = write_standalone(real_deck, written)
    folder = tmp_path_factory.mktemp("alone")
    shutil.copy(written, folder)
    return {"file": folder / written.name, "size": size}


@pytest.fixture(scope="module")
def opened(alone, real_deck):
    """The file open in chromium, with what was refused, failed or logged as an error."""
    document = alone["file"].as_uri()
    report = {"blocked": [], "failed": [], "errors": []}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        report["original"] = counts_of(browser, real_deck / "index.html")
        context = browser.new_context(viewport={"width": 1280, "height": 720})

        def route(route):
            url = route.request.url
            if url.startswith("data:") or url.split("#")[0].split("?")[0] == document:
                route.continue_()
            else:
                report["blocked"].append(url)
                route.abort()

        context.route("**/*", route)
        context.on("requestfailed", lambda r: report["failed"].append(f"{r.url[:100]} {r.failure}"))
        context.on("console", lambda m: m.type == "error" and report["errors"].append(m.text))
        context.on("weberror", lambda e: report["errors"].append(str(e.error)))
        page = context.new_page()
        page.goto(document)
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=15_000)
        page.wait_for_function("document.querySelector('.reveal .katex')", timeout=15_000)
        page.wait_for_function("[...document.images].every(i => i.complete)", timeout=15_000)
        page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
        report.update(page=page, context=context)
        yield report
        browser.close()


def test_small_enough_to_hand_over(alone):
    assert alone["size"] == alone["file"].stat().st_size
    assert alone["size"] <= 10 * 1024 * 1024


def test_ready_with_every_slide_and_equation(opened):
    page, original = opened["page"], opened["original"]
    assert page.evaluate("Reveal.getTotalSlides()") == original["slides"] >= 40
    assert page.evaluate("document.querySelectorAll('.reveal .katex').length") == original["equations"] >= 10
    assert not page.evaluate("document.querySelectorAll('.katex-error').length")
    text = visible_text(page)
    for raw in ("\\begin{aligned}", "\\textcolor", "\\[", "\\("):
        assert raw not in text


def test_every_figure_is_inlined_and_loaded(opened):
    images = opened["page"].evaluate(
        "[...document.images].map(i => ({src: i.src.slice(0, 30), width: i.naturalWidth}))")
    assert len(images) >= 20
    assert [i for i in images if not i["src"].startswith("data:image/") or not i["width"]] == []


def test_each_svg_figure_is_its_file_read_back_exactly(alone, real_deck):
    class Sources(HTMLParser):  # unescapes attribute values as a browser does
        def __init__(self):
            super().__init__()
            self.sources = []

        def handle_starttag(self, tag, attrs):
            if tag == "img":
                self.sources.append(dict(attrs)["src"])

    parser = Sources()
    parser.feed(alone["file"].read_text(encoding="utf-8"))
    svgs = [unquote(src.split(",", 1)[1]) for src in parser.sources if src.startswith("data:image/svg+xml,")]
    files = {path.read_text(encoding="utf-8") for path in (real_deck / "images").glob("*.svg")}
    assert len(svgs) >= 20
    assert all(svg in files for svg in svgs)
    assert any(c in svg for svg in svgs for c in '"#&\n')  # the characters that must be escaped occur


def test_speaker_view_opens_with_the_notes(opened):
    page, context = opened["page"], opened["context"]
    page.evaluate("Reveal.slide(0, 0)")
    notes = page.evaluate("Reveal.getSlideNotes()")
    with context.expect_page(timeout=10_000) as popup:
        page.keyboard.press("s")
    speaker = popup.value
    speaker.wait_for_function("getComputedStyle(document.querySelector('#connection-status')).display === 'none'",
                              timeout=15_000)
    speaker.wait_for_function("document.querySelector('.speaker-controls-notes .value').textContent.trim()",
                              timeout=15_000)
    shown = speaker.evaluate("document.querySelector('.speaker-controls-notes .value').textContent")
    assert " ".join(shown.split())[:60] in " ".join(notes.split())
    # Both previews show the deck file itself, ready, with its equations.
    frames = [frame for frame in speaker.frames if frame.url.startswith("file:")]
    assert len(frames) == 2
    for frame in frames:
        frame.wait_for_function("window.Reveal && Reveal.isReady()", timeout=15_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    speaker.screenshot(path=ARTIFACTS / "speaker-view.png")
    speaker.close()


def test_screenshots(opened):
    """Photographs of a few slides of the one-file deck; each slide must exist and be drawn."""
    page = opened["page"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    blank = page.screenshot(clip={"x": 0, "y": 0, "width": 1, "height": 1})
    for number, heading in enumerate(("1 · as a function", "Bayes' rule", "Every edge carries a spread")):
        shown = page.evaluate("""(text) => {
            const slide = [...document.querySelectorAll('.reveal .slides section')]
                .find(s => !s.querySelector('section') && s.querySelector('h1,h2,h3')?.textContent.includes(text));
            if (!slide) return null;
            const {h, v} = Reveal.getIndices(slide);
            Reveal.slide(h, v, 99);
            return Reveal.getCurrentSlide().querySelector('h1,h2,h3').textContent; }""", heading)
        assert shown and heading in shown, f"no slide titled {heading!r}"
        page.wait_for_timeout(150)
        image = page.screenshot(path=ARTIFACTS / f"{number:02d}.png")
        assert len(image) > 20 * len(blank), f"the slide {heading!r} looks empty"


def test_nothing_was_fetched_and_nothing_failed(opened):
    # Last, so it also covers the speaker view and everything the other tests made the page do.
    assert opened["blocked"] == []
    assert opened["failed"] == []
    assert opened["errors"] == []


def test_a_missing_figure_is_an_error(real_deck, tmp_path):
    deck = tmp_path / "slides"
    shutil.copytree(real_deck, deck)
    missing = sorted((deck / "images").iterdir())[0]
    missing.unlink()
    with pytest.raises(StandaloneError, match=missing.name):
        write_standalone(deck, tmp_path / "deck-standalone.html")
    assert not (tmp_path / "deck-standalone.html").exists()
