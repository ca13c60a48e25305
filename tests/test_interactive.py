"""The deck's figures respond, driven in headless Chromium on a draft build of the project: the
linked views, the posterior player, adding data to the exact posterior, the uncertainty probe;
keys stay reveal.js's unless a control has focus; nothing leaves the machine, nothing errs.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from playwright import sync_api

from conftest import CHROMIUM, CHROMIUM_ARGS, leaf_count, model_where, require_chromium

pytestmark = pytest.mark.browser
require_chromium()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, real_deck):
    """The draft deck open from disk; at the end of the test, no request left and nothing erred."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    outgoing, errors = [], []

    def route(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outgoing.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type in ("error", "warning") and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((real_deck / "index.html").as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady() && window.BDL", timeout=15_000)
    page.wait_for_function("[...document.querySelectorAll('.reveal .math')].every(m => m.querySelector('.katex'))",
                           timeout=15_000)
    page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
    yield page
    context.close()
    assert outgoing == []
    assert errors == []


def show(page, title: str, model: str | None = None, fragments: int = 99):
    """Go to the slide with this heading (and a figure of `model`), its fragments shown; its locator."""
    found = page.evaluate("""([title, model]) => {
        const slides = [...document.querySelectorAll('.reveal .slides section:not(:has(section))')];  // the appendix's too
        const slide = slides.find(s => (s.querySelector('h1,h2,h3') || {}).textContent?.includes(title)
            && (!model || s.querySelector(`[data-model="${model}"]`)));
        if (!slide) return false;
        const {h, v} = Reveal.getIndices(slide); Reveal.slide(h, v, %d); return true; }""" % fragments,
                          [title, model])
    assert found, f"no slide {title!r} for {model}"
    return page.locator("section.present:not(.stack)")


def show_figure(page, kind: str, model: str, also: str = ""):
    """Go to the first slide with a figure of `model` that has this kind of interaction (and holds
    `also`, a CSS selector); its locator."""
    found = page.evaluate("""([kind, model, also]) => {
        const slide = Reveal.getSlides().find(s => s.querySelector(`.interactive[data-kind="${kind}"][data-model="${model}"]`)
            && (!also || s.querySelector(also)));
        if (!slide) return false;
        const {h, v} = Reveal.getIndices(slide); Reveal.slide(h, v, 99); return true; }""", [kind, model, also])
    assert found, f"no slide with a {kind} figure of {model}"
    return page.locator("section.present:not(.stack)")


def built(figure) -> dict:
    """What the build computed for an interactive figure, as the page's scripts read it."""
    return figure.evaluate("f => BDL_DATA.figures[f.dataset.figure].interaction")


def report(real_deck: Path) -> dict:
    return json.loads((real_deck / "report.json").read_text())


# --- linked views -------------------------------------------------------------------------


def test_pointing_at_a_weight_lights_it_in_every_view(page, draft_models, real_deck):
    linear = model_where(draft_models, "linear regression")
    slide = show(page, "Three views, one model", linear.id)
    cell = slide.locator('[data-view="matrix"] [data-param="W1[0,0]"][data-part="cell"]')
    edge = slide.locator('[data-view="diagram"] [data-param="W1[0,0]"][data-part="edge"]')
    term = slide.locator('.math [data-param="W1"]')
    bias = slide.locator('[data-view="diagram"] [data-param="b1[0]"][data-part="bias"]')
    assert "linked" not in (edge.get_attribute("class") or "")

    cell.hover(position={"x": 3, "y": 3})
    assert "linked" in edge.get_attribute("class")
    assert "linked" in term.get_attribute("class")
    assert "linked" in cell.get_attribute("class")
    assert "linked" not in (bias.get_attribute("class") or "")
    panel = page.locator(".bdl-panel")
    map_value = report(real_deck)["fits"][linear.id]["map"]["W1"][0][0]
    assert panel.is_visible()
    assert "W1[0,0]" in panel.inner_text()
    assert f"{abs(map_value):.2f}" in panel.inner_text()

    page.mouse.move(5, 5)  # away from every part
    assert slide.locator(".linked").count() == 0
    assert not panel.is_visible()


def test_a_deep_nets_equation_symbol_lights_the_whole_array(page, draft_models):
    deep = model_where(draft_models, "deep net on a plane")
    slide = show(page, "Three views, one model", deep.id)
    slide.locator('.math [data-param="W2"]').hover()
    lit = slide.locator('[data-view="diagram"] .linked[data-part="edge"]').evaluate_all(
        "parts => parts.map(p => p.dataset.param)")
    assert lit and all(name.startswith("W2[") for name in lit)
    assert slide.locator('[data-view="diagram"] .linked[data-param^="W1["]').count() == 0


def test_the_bayesian_twin_shows_the_posterior_of_what_is_pointed_at(page, draft_models, real_deck):
    linear = model_where(draft_models, "linear regression")
    slide = show(page, "every cell becomes a density", linear.id)
    slide.locator('[data-estimate="posterior"] [data-param="b1[0]"][data-part="cell"]').hover(position={"x": 3, "y": 3})
    text = page.locator(".bdl-panel").inner_text()
    fit = report(real_deck)["fits"][linear.id]
    assert f"{abs(fit['posterior_mean']['b1'][0]):.2f}" in text
    assert "90 %" in text
    assert page.locator(".bdl-panel svg.density polyline").count() == 1
    # The point twin's cell for the same bias is lit too.
    assert "linked" in slide.locator('[data-estimate="point"] [data-param="b1[0]"][data-part="cell"]').get_attribute("class")


def test_the_panel_sits_beside_what_it_describes_and_its_density_has_an_axis(page, draft_models, real_deck):
    linear = model_where(draft_models, "linear regression")
    slide = show(page, "every cell becomes a density", linear.id)
    cell = slide.locator('[data-estimate="posterior"] [data-param="W1[0,0]"][data-part="cell"]')
    near = cell.bounding_box()
    page.mouse.move(near["x"] + near["width"] / 2, near["y"] + near["height"] / 2)  # over its numbers
    panel = page.locator(".bdl-panel")
    box = panel.bounding_box()
    apart_x = max(box["x"] - (near["x"] + near["width"]), near["x"] - (box["x"] + box["width"]))
    apart_y = max(box["y"] - (near["y"] + near["height"]), near["y"] - (box["y"] + box["height"]))
    assert max(apart_x, apart_y) >= 0, (near, box)  # beside it, not over it
    assert max(apart_x, apart_y) <= 24, (near, box)  # and next to it, not across the screen
    ticks = [float(t.replace("\u2212", "-"))
             for t in panel.locator("svg.density text").evaluate_all("texts => texts.map(t => t.textContent)")]
    mean = report(real_deck)["fits"][linear.id]["posterior_mean"]["W1"][0][0]
    assert len(ticks) == 3 and ticks == sorted(ticks) and ticks[0] < mean < ticks[-1]
    assert panel.locator("svg.density line.axis").count() == 1


def test_the_part_under_the_pointer_is_the_part_lit(page, draft_models):
    """In a cell, over the prior's fill and the zero line, the cell is lit; on a diagram, where
    edges cross, the edge drawn on top there — never one whose faint halo only reaches there."""
    deep = model_where(draft_models, "deep net on a plane")
    slide = show(page, "every cell becomes a density", deep.id)
    centres = slide.locator('[data-estimate="posterior"] [data-part="cell"]').evaluate_all(
        "cells => cells.map(c => { const r = c.getBoundingClientRect(); return [c.dataset.param, r.x + r.width / 2, r.y + r.height / 2]; })")
    assert centres
    for name, x, y in centres:
        page.mouse.move(x, y)
        lit = slide.locator('[data-estimate="posterior"] .linked[data-part="cell"]').evaluate_all("cs => cs.map(c => c.dataset.param)")
        assert lit == [name]
    slide = show(page, "every edge carries a spread", deep.id)
    wrong = slide.locator('[data-estimate="posterior"] svg').evaluate("""svg => {
        const lines = [...svg.querySelectorAll('g[data-part="edge"] path, g[data-part="bias"] path')];
        const wrong = [];
        for (const line of lines) {
            const middle = line.getPointAtLength(line.getTotalLength() / 2);
            const screen = middle.matrixTransform(line.getScreenCTM());
            const drawn = lines.filter(other => other.isPointInStroke(screen.matrixTransform(other.getScreenCTM().inverse())));
            const top = drawn[drawn.length - 1].closest('[data-param]');
            const hit = document.elementFromPoint(screen.x, screen.y)?.closest('[data-param]');
            if (hit !== top) wrong.push(`${line.closest('[data-param]').dataset.param}: ${hit?.dataset.param} ${hit?.dataset.part}`);
        }
        return wrong; }""")
    assert wrong == []


def test_keyboard_reaches_the_parts_and_leaves_the_arrows_to_reveal(page, draft_models):
    linear = model_where(draft_models, "linear regression")
    slide = show(page, "Three views, one model", linear.id)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached = set()
    for _ in range(20):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("(e => e && (e.dataset.param || '') + '|' + (e.dataset.part || e.tagName))"
                                  "(document.activeElement)"))
    assert {"W1[0,0]|cell", "W1[0,0]|edge", "b1[0]|bias"} <= reached
    assert any(entry.startswith("W1|") for entry in reached)  # the equation's symbol
    slide.locator('[data-param="W1[0,0]"][data-part="cell"]').focus()
    assert "linked" in slide.locator('[data-param="W1[0,0]"][data-part="edge"]').get_attribute("class")
    before = page.evaluate("Reveal.getIndices().h")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("Reveal.getIndices().h") == before + 1


# --- the posterior player -----------------------------------------------------------------


def player(slide):
    figure = slide.locator('.interactive[data-kind="player"]')
    return figure, figure.locator('[data-role="draw"]'), figure.locator(".bdl-player path")


@pytest.mark.parametrize("kind", ["linear regression", "logistic regression"])
def test_stepping_the_player_draws_another_posterior_draw(page, draft_models, kind):
    model = model_where(draft_models, kind)
    slide = show_figure(page, "player", model.id)
    figure, slider, paths = player(slide)
    assert figure.get_attribute("data-draw") == "0"
    first = paths.first.get_attribute("d")
    slider.focus()
    page.keyboard.press("ArrowRight")  # the slider's key, not reveal's
    assert figure.get_attribute("data-draw") == "1"
    assert paths.count() == 1 and paths.first.get_attribute("d") != first
    figure.locator('[data-role="accumulate"]').check()
    slider.fill("4")
    assert figure.get_attribute("data-draw") == "4" and paths.count() == 5


def test_play_moves_through_the_draws_and_space_on_it_stays_on_the_slide(page, draft_models):
    model = model_where(draft_models, "linear regression")
    slide = show_figure(page, "player", model.id)
    figure, _, _ = player(slide)
    where = page.evaluate("JSON.stringify(Reveal.getIndices())")
    button = figure.locator('[data-role="play"]')
    button.focus()
    page.keyboard.press("Space")
    assert button.get_attribute("aria-pressed") == "true"
    page.wait_for_function("document.querySelector('section.present [data-kind=player]').dataset.draw !== '0'")
    page.keyboard.press("Space")
    assert button.get_attribute("aria-pressed") == "false"
    assert page.evaluate("JSON.stringify(Reveal.getIndices())") == where


def test_one_draw_is_one_whole_network(page, draft_models, real_deck):
    deep = model_where(draft_models, "deep net on a plane")
    slide = show_figure(page, "player", deep.id, also='.interactive[data-view="diagram"]')
    figure, slider, _ = player(slide)
    diagram = slide.locator('.interactive[data-view="diagram"]')
    build = built(figure)
    edge = diagram.locator('[data-param="W2[0,0]"][data-part="edge"] path')
    widths = []
    for k in (2, 3):
        slider.fill(str(k))
        assert diagram.get_attribute("data-draw") == str(k)
        widths.append(float(edge.evaluate("p => parseFloat(p.style.strokeWidth)")))
        thinnest, extra = build["edges"]["width"]
        expected = thinnest + extra * min(1, abs(build["draws"]["W2[0,0]"][k]) / build["edges"]["scale"])
        assert widths[-1] == pytest.approx(expected, abs=1e-3)


def test_reduced_motion_shows_every_draw_at_once(browser, real_deck, draft_models):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
    page = context.new_page()
    page.goto((real_deck / "index.html").as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady() && window.BDL")
    slide = show_figure(page, "player", model_where(draft_models, "linear regression").id)
    figure, slider, paths = player(slide)
    figure.locator('[data-role="play"]').click()
    assert figure.get_attribute("data-draw") == slider.get_attribute("max")
    assert paths.count() == int(slider.get_attribute("max")) + 1
    context.close()


# --- add data, watch the posterior move -----------------------------------------------------


def exact_for(model, points):
    from bdl_demo.model.exact import linear_posterior

    points = np.asarray(points, dtype=float)
    mean, covariance = linear_posterior(model.net, points[:, :1], points[:, 1])
    return mean, covariance


def click_at(page, figure, x, y):
    """Click the figure where the data point (x, y) of its left panel is drawn."""
    build = built(figure)
    sx, tx, sy, ty = build["line"]
    point = figure.locator("svg").evaluate(
        "(svg, [u, v]) => { const p = new DOMPoint(u, v).matrixTransform(svg.getScreenCTM());"
        " return [p.x, p.y]; }", [sx * x + tx, sy * y + ty])
    page.mouse.click(*point)


def test_adding_a_point_narrows_the_band_there_and_matches_exact_py(page, draft_models):
    linear = model_where(draft_models, "linear regression")
    slide = show_figure(page, "explore", linear.id)
    figure = slide.locator('.interactive[data-kind="explore"]')
    figure.locator('[data-role="preset"][data-n="3"]').click()
    points = json.loads(figure.get_attribute("data-points"))
    assert len(points) == 3

    def state():
        return (np.array(json.loads(figure.get_attribute("data-post-mean"))),
                np.array(json.loads(figure.get_attribute("data-post-cov"))),
                json.loads(figure.get_attribute("data-points")))

    def band_sd(cov, x):
        return np.sqrt(cov[0, 0] * x * x + 2 * cov[0, 1] * x + cov[1, 1])

    xlim = built(figure)["xlim"]
    x_new = xlim[0] + 0.1 * (xlim[1] - xlim[0])  # left of the three points, inside the panel
    mean_before, cov_before, _ = state()
    click_at(page, figure, x_new, float(mean_before[0] * x_new + mean_before[1]))
    mean, cov, points = state()
    assert len(points) == 4
    assert band_sd(cov, x_new) < band_sd(cov_before, x_new)
    exact_mean, exact_cov = exact_for(linear, points)
    np.testing.assert_allclose(mean, exact_mean, atol=1e-6)
    np.testing.assert_allclose(cov, exact_cov, atol=1e-6)
    np.testing.assert_allclose(json.loads(figure.get_attribute("data-post-sd")), np.sqrt(np.diag(exact_cov)), atol=1e-6)

    click_at(page, figure, *points[-1])  # a click on a point takes it away
    assert len(state()[2]) == 3
    figure.locator('[data-role="preset"][data-n="100"]').click()
    mean, cov, points = state()
    assert len(points) == 100
    np.testing.assert_allclose(mean, exact_for(linear, points)[0], atol=1e-6)
    figure.locator('[data-role="reset"]').click()
    assert len(state()[2]) == len(linear.data.y_train)


# --- every point a line ------------------------------------------------------------------


def test_pointing_at_a_draw_of_the_cloud_draws_its_line(page, draft_models):
    linear = model_where(draft_models, "linear regression")
    slide = show_figure(page, "lines", linear.id)
    figure = slide.locator('.interactive[data-kind="lines"]')
    build = built(figure)
    draws = np.array(build["draws"])
    spread = np.array(build["spread"])
    w, b = draws[np.argmax(np.linalg.norm((draws - draws.mean(axis=0)) / spread, axis=1))]  # an outlying one
    sx, tx, sy, ty = build["plane"]
    to_screen = "(svg, [u, v]) => { const p = new DOMPoint(u, v).matrixTransform(svg.getScreenCTM()); return [p.x, p.y]; }"
    page.mouse.move(*figure.locator("svg").evaluate(to_screen, [sx * w + tx, sy * b + ty]))
    assert json.loads(figure.get_attribute("data-draw")) == [w, b]
    line = figure.locator(".bdl-lines line")
    ends = [float(line.get_attribute(name)) for name in ("x1", "y1", "x2", "y2")]
    sx, tx, sy, ty = build["inset"]
    xs, ys = [(ends[0] - tx) / sx, (ends[2] - tx) / sx], [(ends[1] - ty) / sy, (ends[3] - ty) / sy]
    np.testing.assert_allclose(xs, build["x"], atol=1e-6)
    np.testing.assert_allclose(ys, [w * x + b for x in build["x"]], atol=1e-6)  # the line of that draw
    page.mouse.move(2, 2)
    assert figure.locator(".bdl-lines").get_attribute("visibility") == "hidden"


# --- the uncertainty probe ----------------------------------------------------------------


def test_the_probe_shows_p_over_the_draws_beside_the_map(page, draft_models):
    from bdl_demo.model.predictive import class_probabilities

    deep = model_where(draft_models, "deep net on a plane")
    slide = show_figure(page, "probe", deep.id)
    figure = slide.locator('.interactive[data-kind="probe"]')
    box = figure.locator("svg").bounding_box()
    page.mouse.move(box["x"] + 0.4 * box["width"], box["y"] + 0.5 * box["height"])
    probe = json.loads(figure.get_attribute("data-probe"))
    at_map = class_probabilities(deep.net, deep.fit.map, np.array([[probe["x"], probe["y"]]]))[0, 1]
    assert probe["map"] == pytest.approx(at_map, abs=1e-3)
    assert sum(probe["counts"]) == min(200, deep.fit.n_draws)
    assert page.locator(".bdl-panel svg.histogram rect.bar").count() == len(probe["counts"])

    where = page.evaluate("Reveal.getIndices().h")
    figure.focus()
    x_before = json.loads(figure.get_attribute("data-probe"))["x"]
    page.keyboard.press("ArrowRight")  # moves the probe, not the deck
    assert json.loads(figure.get_attribute("data-probe"))["x"] > x_before
    assert page.evaluate("Reveal.getIndices().h") == where


# --- without JavaScript --------------------------------------------------------------------


def test_without_javascript_the_static_figures_show(browser, real_deck):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, java_script_enabled=False)
    page = context.new_page()
    page.goto((real_deck / "index.html").as_uri())
    figures = page.locator(".interactive img.figure")
    assert figures.count() >= 6
    assert page.locator(".interactive svg").count() == 0
    assert all(not control.is_visible() for control in page.locator(".bdl-controls").all())
    assert all(figures.evaluate_all("images => images.map(i => i.alt.length > 0)"))
    context.close()


def test_printing_shows_the_static_figures_without_controls(browser, real_deck):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto((real_deck / "index.html").as_uri() + "?print-pdf")
    page.wait_for_function("window.Reveal && Reveal.isReady() && window.BDL")
    page.emulate_media(media="print")
    assert page.locator(".interactive svg.figure-svg").count() >= 6
    assert page.locator(".interactive svg.figure-svg").first.is_visible()
    assert all(not control.is_visible() for control in page.locator(".bdl-controls").all())
    assert not page.locator(".bdl-panel").is_visible()
    context.close()


def test_the_reading_view_on_a_phone_responds_too(browser, real_deck, draft_models):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((real_deck / "read.html").as_uri())
    page.wait_for_function("window.BDL")
    assert page.locator(".interactive img.figure").count() == 0  # every one replaced by its SVG
    linear = model_where(draft_models, "linear regression")
    cell = page.locator(f'.interactive[data-model="{linear.id}"][data-view="matrix"] '
                        '[data-param="W1[0,0]"][data-part="cell"]').first
    cell.scroll_into_view_if_needed()
    cell.tap(position={"x": 3, "y": 3})
    section = cell.evaluate_handle("c => c.closest('section')")
    assert section.evaluate("s => s.querySelectorAll('.linked[data-part=edge]').length") >= 1
    assert page.locator(".bdl-panel").is_visible()  # after the finger lifted
    panel, tapped_box = page.locator(".bdl-panel").bounding_box(), cell.bounding_box()
    assert panel["y"] >= tapped_box["y"] + tapped_box["height"] or panel["y"] + panel["height"] <= tapped_box["y"] \
        or panel["x"] >= tapped_box["x"] + tapped_box["width"] or panel["x"] + panel["width"] <= tapped_box["x"]  # not over it
    heading = section.evaluate_handle("s => s.querySelector('h1,h2,h3')").as_element()
    heading.tap()  # a tap on nothing that shows a parameter puts it away
    assert not page.locator(".bdl-panel").is_visible()
    assert section.evaluate("s => s.querySelectorAll('.linked').length") == 0
    explore = page.locator(f'.interactive[data-kind="explore"][data-model="{linear.id}"]')
    explore.scroll_into_view_if_needed()
    explore.locator('[data-role="preset"][data-n="3"]').tap()
    assert len(json.loads(explore.get_attribute("data-points"))) == 3
    deep = model_where(draft_models, "deep net on a plane")
    probe = page.locator(f'.interactive[data-kind="probe"][data-model="{deep.id}"]').first
    probe.scroll_into_view_if_needed()
    box = probe.locator("svg").bounding_box()
    tapped = []
    for share in (0.3, 0.6):  # a tap, with no pointer moving first, puts the probe where it landed
        page.touchscreen.tap(box["x"] + share * box["width"], box["y"] + 0.5 * box["height"])
        tapped.append(json.loads(probe.get_attribute("data-probe"))["x"])
        assert page.locator(".bdl-panel").is_visible()  # and it stays when the finger lifts
    assert tapped[0] < tapped[1]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    context.close()


def test_the_reading_view_has_contents_keeps_code_indented_and_says_when_a_table_scrolls(browser, real_deck):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto((real_deck / "read.html").as_uri())
    page.wait_for_function("window.BDL")
    links = page.locator("nav.contents a").evaluate_all(
        "links => links.map(a => [a.getAttribute('href'), a.textContent])")
    for href, text in links:  # each entry leads to the slide of that title
        assert page.locator(f"{href} :is(h1, h2, h3)").first.text_content() == text
    sections = page.locator("section.slide").evaluate_all(
        "slides => slides.filter(s => s.querySelector('h1, h2')).map(s => '#' + s.id)")
    assert sections and set(sections) <= {href for href, _ in links}  # every section of the talk is listed
    page.locator("nav.contents a").last.tap()
    assert page.evaluate("window.scrollY") > 0
    deck = (real_deck / "index.html").read_text()
    first_in_appendix = leaf_count(deck, counted=True) + 1  # the deck's slides after its last counted one
    assert page.locator("h2#appendix + section.slide").get_attribute("id") == f"slide-{first_in_appendix}"

    code = page.locator("pre.code").first
    assert code.evaluate("c => getComputedStyle(c).whiteSpace") == "pre"
    lines = code.inner_text().splitlines()
    assert any(line.startswith("    ") for line in lines)  # indentation kept, not wrapped away
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    boxes = page.locator(".table-scroll").evaluate_all("""boxes => boxes.map(b => ({
        wider: b.scrollWidth > b.clientWidth + 1, says: b.dataset.scrolls,
        cue: getComputedStyle(b, '::before').content}))""")
    assert any(box["wider"] for box in boxes)  # the deck has tables wider than a phone
    for box in boxes:
        assert box["says"] == ("true" if box["wider"] else "false")
        assert ("scroll sideways" in box["cue"]) == box["wider"]
    context.close()
