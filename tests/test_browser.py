"""The built deck in headless Chromium, opened from disk with every request off the machine blocked.

Runs on a synthetic deck and on a real draft build of the project (made with the session's
draft fits). Screenshots of a few slides go to tests/artifacts/ so a person can look at them.
Chromium is Debian's (.ci/run installs it); without it these tests fail rather than skip.
"""
from __future__ import annotations

import json

import shutil
from pathlib import Path

import pytest

import synthetic_deck
from conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium, leaf_count

pytestmark = pytest.mark.browser

PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# Slides to photograph, found by their heading; a fragment index of 99 shows every fragment.
SHOTS = ("Demystifying", "1 · as a function", "Three views, one model", "Bayes' rule",
         "every cell becomes a density", "One line → many plausible lines", "Three ways to the posterior",
         "The Bayesian model, in PyMC", "Real data", "The examples it is least sure of", "Is the doubt any good?", "References")

from playwright import sync_api  # noqa: E402

require_chromium()


@pytest.fixture(scope="module", params=["synthetic", "slides"])
def deck(request, tmp_path_factory):
    """The deck open at its first slide, with what the browser reported while loading it."""
    if request.param == "synthetic":
        root = tmp_path_factory.mktemp("deck")
        synthetic_deck.build(root / "slides", root / "images")
        index = root / "slides" / "index.html"
    else:
        index = request.getfixturevalue("real_deck") / "index.html"  # shared with the PDF and one-file tests
    report = {"outgoing": [], "failed": [], "errors": [], "name": request.param, "index": index}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})

        def route(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                report["outgoing"].append(route.request.url)
                route.abort()

        page.route("**/*", route)
        page.on("requestfailed", lambda r: report["failed"].append(f"{r.url} {r.failure}"))
        page.on("console", lambda m: m.type == "error" and report["errors"].append(m.text))
        page.on("pageerror", lambda e: report["errors"].append(str(e)))
        page.goto(index.as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=15_000)
        # The math plugin typesets after 'ready'; wait until every equation has been typeset.
        page.wait_for_function("[...document.querySelectorAll('.reveal .math')]"
                               ".every(m => m.querySelector('.katex'))", timeout=15_000)
        page.wait_for_function("[...document.images].every(i => i.complete)", timeout=15_000)
        page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
        report["page"] = page
        yield report
        browser.close()


def test_reveal_is_ready_with_every_slide(deck):
    page = deck["page"]
    assert page.evaluate("Reveal.isReady()")
    total = page.evaluate("Reveal.getTotalSlides()")
    assert total == leaf_count(deck["index"].read_text(), counted=True)
    assert total >= 40 if deck["name"] == "slides" else total >= 1


def test_the_appendix_comes_after_the_last_counted_slide_and_is_not_counted(deck):
    page = deck["page"]
    counted = page.evaluate("""[...document.querySelectorAll('.reveal .slides section:not(:has(section))')]
        .map(s => s.dataset.visibility !== 'uncounted')""")
    if deck["name"] == "slides":
        assert not all(counted)  # the bundled talk has an appendix
    first_uncounted = counted.index(False) if False in counted else len(counted)
    assert all(counted[:first_uncounted]) and not any(counted[first_uncounted:])
    assert page.evaluate("Reveal.getTotalSlides()") == first_uncounted
    if first_uncounted < len(counted):  # one step on from the last counted slide reaches the appendix
        page.evaluate(f"""(() => {{ const s = Reveal.getSlides()[{first_uncounted - 1}];  // counted ones
            const {{h, v}} = Reveal.getIndices(s); Reveal.slide(h, v, 99); Reveal.next(); }})()""")
        assert page.evaluate("Reveal.getCurrentSlide().dataset.visibility") == "uncounted"
        page.evaluate("Reveal.slide(0, 0)")


def test_math_is_typeset_and_no_raw_tex_is_visible(deck):
    page = deck["page"]
    assert page.evaluate("document.querySelectorAll('.reveal .katex').length") >= 10
    visible_text = page.evaluate("""() => {
        const copy = document.querySelector('.reveal .slides').cloneNode(true);
        copy.querySelectorAll('.katex, aside.notes, pre').forEach(e => e.remove());
        return copy.textContent; }""")
    for raw in ("\\begin{aligned}", "\\textcolor", "\\[", "\\("):
        assert raw not in visible_text
    assert not page.evaluate("document.querySelectorAll('.katex-error').length")


def test_every_image_loaded_with_alt_text(deck):
    images = deck["page"].evaluate(
        "[...document.images].map(i => ({src: i.getAttribute('src'), w: i.naturalWidth, alt: i.alt}))")
    assert images
    assert [i["src"] for i in images if i["w"] == 0] == []
    assert [i["src"] for i in images if not i["alt"].strip()] == []


def test_slide_text_is_at_least_18_px_at_1280_by_720(deck):
    """Readable from the back of a room: no slide text (outside equations) under 18 px."""
    small = deck["page"].evaluate("""() => {
        const scale = Reveal.getScale(), found = [];
        document.querySelectorAll('.reveal .slides section').forEach(slide => {
            if (slide.querySelector('section')) return;
            slide.querySelectorAll('*').forEach(e => {
                if (e.closest('aside, .katex')) return;
                if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) return;
                const px = parseFloat(getComputedStyle(e).fontSize) * scale;
                if (px < 17.95) found.push(`${e.tagName}.${e.className} ${px.toFixed(1)} px`);
            });
        });
        return found; }""")
    assert small == []


MEETUP_SLIDES = 45  # a 30–40 minute meetup talk holds about forty slides
WORDS_PER_SLIDE = 70  # body text an audience reads while listening; notes and code are not counted


def test_the_bundled_talk_is_meetup_length_and_the_rest_is_in_the_appendix(deck):
    page = deck["page"]
    counted = page.evaluate("Reveal.getTotalSlides()")
    every = page.evaluate("document.querySelectorAll('.reveal .slides section:not(:has(section))').length")
    if deck["name"] == "slides":
        assert counted <= MEETUP_SLIDES < every, (counted, every)
    last = page.evaluate("""(() => {
        const leaves = [...document.querySelectorAll('.reveal .slides section:not(:has(section))')];
        const last = leaves.filter(s => s.dataset.visibility !== 'uncounted').pop();
        const {h, v} = Reveal.getIndices(last); Reveal.slide(h, v, 99);
        return document.querySelector('.reveal .slide-number').textContent.replace(/\\s+/g, ' ').trim(); })()""")
    assert last == f"{counted} / {counted}"
    if every > counted:  # the first slide after the talk's last one says it is the appendix's first
        page.evaluate("Reveal.next()")
        shown = page.evaluate("document.querySelector('.reveal .slide-number').textContent.replace(/\\s+/g, ' ').trim()")
        assert shown == "appendix 1"


def test_no_counted_slide_is_a_wall_of_text(deck):
    """Words of body text on each counted slide: its title, speaker notes and code left out, each
    typeset formula counted as one word."""
    counts = deck["page"].evaluate("""[...document.querySelectorAll('.reveal .slides section:not(:has(section))')]
        .filter(s => s.dataset.visibility !== 'uncounted')
        .map(s => {
            const body = s.cloneNode(true);
            body.querySelectorAll('aside, pre, h1, h2, h3').forEach(e => e.remove());
            body.querySelectorAll('.katex').forEach(e => e.replaceWith(' formula '));
            return [s.querySelector('h1,h2,h3')?.textContent, body.textContent.split(/\\s+/).filter(Boolean).length];
        })""")
    assert len(counts) == deck["page"].evaluate("Reveal.getTotalSlides()")
    walls = [(title, words) for title, words in counts if words > WORDS_PER_SLIDE]
    assert walls == []


def test_nothing_on_a_counted_slide_is_outside_it(deck):
    """Every fragment shown, nothing drawn beyond the slide's 1280×720 box (a box that scrolls
    keeps its content: only the box itself must fit)."""
    page = deck["page"]
    outside = page.evaluate("""() => {
        const found = [], box = document.querySelector('.reveal .slides').getBoundingClientRect();
        const slides = [...document.querySelectorAll('.reveal .slides section:not(:has(section))')]
            .filter(s => s.dataset.visibility !== 'uncounted');
        for (const slide of slides) {
            const {h, v} = Reveal.getIndices(slide);
            Reveal.slide(h, v, 99);
            const title = slide.querySelector('h1,h2,h3')?.textContent;
            for (const e of slide.querySelectorAll('*')) {
                if (e.closest('aside, .katex-mathml') || e.parentElement.closest('pre, .table-scroll, svg')) continue;
                const style = getComputedStyle(e);
                if (style.display === 'none' || style.visibility === 'hidden' || style.position === 'fixed') continue;
                const r = e.getBoundingClientRect();
                if (!r.width || !r.height) continue;
                if (r.left < box.left - 1 || r.top < box.top - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1)
                    found.push(`${title}: ${e.tagName.toLowerCase()}.${e.className.baseVal ?? e.className}`);
            }
        }
        return [...new Set(found)]; }""")
    assert outside == []


def test_the_slide_number_and_the_reading_view_link_keep_out_of_the_way(deck):
    page = deck["page"]
    page.evaluate("Reveal.slide(0, 0)")
    link = page.locator(".reading-view a")
    assert link.is_visible()  # offered on the title slide
    page.evaluate("Reveal.slide(1, 0)")
    assert not link.is_visible()  # and not over every other slide
    number, arrows = (page.locator(selector).bounding_box() for selector in (".reveal .slide-number", ".reveal .controls"))
    apart = (number["x"] + number["width"] <= arrows["x"] or arrows["x"] + arrows["width"] <= number["x"]
             or number["y"] + number["height"] <= arrows["y"] or arrows["y"] + arrows["height"] <= number["y"])
    assert apart, (number, arrows)


def test_every_figure_on_every_slide_has_text_of_18_px_or_more(deck):
    """The smallest text a figure draws (in pt, measured when it was drawn: report.json) times the
    px one of its pt takes on the slide as laid out — images and inline figures alike, the
    appendix's too, each at the step where it shows."""
    if deck["name"] != "slides":
        pytest.skip("the synthetic deck's figures are placeholders without text")
    figures = json.loads((deck["index"].parent / "report.json").read_text())["figures"]
    page = deck["page"]
    shown = page.evaluate("""() => {
        const found = [];
        for (const slide of document.querySelectorAll('.reveal .slides section:not(:has(section))')) {
            const {h, v} = Reveal.getIndices(slide);
            Reveal.slide(h, v, 99);
            const steps = [...slide.querySelectorAll('.fragment')].some(f => f.classList.contains('fade-out')) ? [-1, 99] : [99];
            for (const step of steps) {  // a figure that fades out is measured before it does
            Reveal.slide(h, v, step);
            for (const e of slide.querySelectorAll('img.figure, .interactive[data-figure] svg.figure-svg')) {
                if (!e.getClientRects().length || getComputedStyle(e.closest('.fragment') || e).visibility === 'hidden') continue;
                const id = e.closest('.interactive')?.dataset.figure ?? e.getAttribute('src').split('/').pop().replace(/\\.svg$/, '');
                const r = e.getBoundingClientRect();
                found.push([slide.querySelector('h1,h2,h3')?.textContent, id, r.width, r.height]);
            }
            }
        }
        return found; }""")
    assert shown
    small = []
    for title, figure_id, width, height in shown:
        entry = figures[figure_id]
        if entry.get("smallest_pt") is None:
            continue
        px_per_inch = min(width / (entry["width"] / 100), height / (entry["height"] / 100))  # drawn at 100 px/inch
        on_screen = entry["smallest_pt"] * px_per_inch / 72
        if on_screen < 17.95:
            small.append(f"{title}: {figure_id} {on_screen:.1f} px")
    assert small == [], "\n".join(small)


def test_every_slide_has_speaker_notes(deck):
    silent = deck["page"].evaluate("""[...document.querySelectorAll('.reveal .slides section')]
        .filter(s => !s.querySelector('section'))
        .filter(s => !(s.querySelector('aside.notes')?.textContent.trim()))
        .map(s => s.querySelector('h1,h2,h3')?.textContent || s.outerHTML.slice(0, 80))""")
    assert silent == []


def test_step_through_every_slide_and_fragment(deck):
    page = deck["page"]
    page.evaluate("Reveal.slide(0, 0, -1)")
    visited, steps = set(), 0
    while steps < 2000:
        before = page.evaluate("JSON.stringify(Reveal.getIndices())")
        visited.add(page.evaluate("(({h, v}) => h + '.' + v)(Reveal.getIndices())"))
        page.evaluate("Reveal.next()")
        steps += 1
        if page.evaluate("JSON.stringify(Reveal.getIndices())") == before:
            break
    assert page.evaluate("Reveal.isLastSlide()")
    assert len(visited) == page.evaluate("document.querySelectorAll('.reveal .slides section:not(:has(section))').length")  # the appendix's too
    assert deck["errors"] == []


def test_screenshots(deck):
    """Photographs of a few slides for a person to look at; each slide must exist and be drawn."""
    page = deck["page"]
    folder = ARTIFACTS / deck["name"]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    blank = page.screenshot(clip={"x": 0, "y": 0, "width": 1, "height": 1})  # one pixel of background
    for number, heading in enumerate(SHOTS):
        shown = page.evaluate("""(text) => {
            const slide = [...document.querySelectorAll('.reveal .slides section')]
                .filter(s => !s.querySelector('section'))
                .find(s => s.querySelector('h1,h2,h3')?.textContent.includes(text));
            if (!slide) return null;
            const {h, v} = Reveal.getIndices(slide);
            Reveal.slide(h, v, 99);
            return Reveal.getCurrentSlide().querySelector('h1,h2,h3').textContent; }""", heading)
        assert shown and heading in shown, f"no slide titled {heading!r} in the {deck['name']} deck"
        page.wait_for_timeout(150)  # let KaTeX-laid-out slides settle
        image = page.screenshot(path=folder / f"{number:02d}.png")
        assert len(image) > 20 * len(blank), f"the slide {heading!r} looks empty"


def test_the_qr_code_on_the_title_slide_reads_back_as_the_url(deck):
    """Decoded from what the browser shows (zxing-cpp), not from what the build meant to draw."""
    import io

    import zxingcpp
    from PIL import Image

    page = deck["page"]
    page.evaluate("Reveal.slide(0, 0)")
    page.wait_for_timeout(200)
    url = page.evaluate("document.querySelector('.reveal .follow a')?.href || null")
    qr = page.query_selector(".reveal .follow img")
    if deck["name"] == "synthetic":
        assert url == synthetic_deck.DECK["url"]
    if url is None:  # deck.toml gives no url: no code either
        assert qr is None
        return
    image = Image.open(io.BytesIO(qr.screenshot()))
    assert [found.text for found in zxingcpp.read_barcodes(image)] == [url]


def test_the_reading_view_reads_well_on_a_phone(deck):
    """read.html at 390×844: no sideways scrolling, body text of 16 px or more, every figure within
    the width, one section per slide of the deck with its notes; the deck offers it on a phone."""
    page = deck["page"]
    total = page.evaluate("document.querySelectorAll('.reveal .slides section:not(:has(section))').length")  # the appendix's too
    phone = page.context.browser.new_page(viewport={"width": 390, "height": 844})
    phone.on("pageerror", lambda e: deck["errors"].append(str(e)))
    phone.goto(deck["index"].with_name("read.html").as_uri())
    phone.wait_for_function("document.querySelector('.katex')", timeout=15_000)
    width = phone.evaluate("document.documentElement.clientWidth")
    assert phone.evaluate("document.documentElement.scrollWidth") <= width
    small = phone.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => !e.closest('.katex') && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(e => [e.tagName, parseFloat(getComputedStyle(e).fontSize)]).filter(([, px]) => px < 16)""")
    assert small == []
    images = phone.evaluate("[...document.images].map(i => [i.complete && i.naturalWidth > 0, i.getBoundingClientRect().right])")
    assert images and all(loaded and right <= width + 0.5 for loaded, right in images)
    assert phone.evaluate("document.querySelectorAll('section.slide').length") == total
    assert phone.evaluate("document.querySelectorAll('section.slide .said').length") == total
    phone.close()
    deck_on_a_phone = page.context.browser.new_page(viewport={"width": 390, "height": 844})
    deck_on_a_phone.goto(deck["index"].as_uri())
    link = deck_on_a_phone.locator(".reading-view a")
    assert link.is_visible() and link.bounding_box()["height"] >= 40  # a banner a thumb can hit
    deck_on_a_phone.close()


def test_nothing_left_the_machine_and_nothing_failed(deck):
    # Last, so it also covers everything the other tests made the page do.
    assert deck["outgoing"] == []
    assert deck["failed"] == []
    assert deck["errors"] == []
