"""Train it yourself, driven in headless Chromium on a draft build of the project: the page's
loss, curvature, prior precision and predictive against Python's; training from the deck's data
and seed; the audience's points and the doubt they take away; the set-up in the URL; keys, touch,
reduced motion.
"""
from __future__ import annotations

import base64
import io
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from conftest import model_where
from test_interactive import browser, built, page, show_figure  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
FIGURE = '.interactive[data-kind="playground"]'


def playground(page, model):
    """Go to the playground's slide; its figure's locator."""
    return show_figure(page, "playground", model.id).locator(FIGURE)


def network_in_page(build: dict) -> str:
    """JavaScript for the page's network of the build's architecture and prior."""
    return ("BDL.playground.network({hidden: build.hidden, activation: build.activation, weightSd: build.weight_sd,"
            " biasSd: build.bias_sd, fanIn: build.fan_in, outputs: build.outputs})")


def training_points(model) -> list:
    return [[float(a), float(b), int(c)] for (a, b), c in zip(model.data.X_train, model.data.y_train)]


@pytest.fixture(scope="module")
def deep(draft_models):
    return model_where(draft_models, "deep net on a plane")


def test_the_page_minimises_the_builds_loss(page, deep):
    """The page's loss and gradient are PyMC's negative log posterior and its gradient, up to
    the constant of the prior's normalisation, at any weights."""
    from bdl_demo.model.bayesian import bayesian_network, random_initvals
    from bdl_demo.model.inference import targets
    from bdl_demo.model.laplace import flatten, unflatten
    from bdl_demo.model.map_estimate import LogPosterior

    build = built(playground(page, deep))
    X, y = deep.data.X_train, deep.data.y_train
    thetas = [flatten(deep.net, random_initvals(deep.net, seed)) for seed in (1, 2)]
    page_side = page.evaluate("""([build, points, thetas]) => { const net = %s;
        return thetas.map(t => { const g = new Float64Array(net.size);
            const value = BDL.playground.loss(net, Float64Array.from(t), points, g); return [value, Array.from(g)]; }); }"""
                              % network_in_page(build), [build, training_points(deep), [t.tolist() for t in thetas]])
    posterior = LogPosterior(bayesian_network(deep.net, X, targets(deep.net, y)), deep.net)
    python_side = []
    for theta in thetas:
        value, gradient = posterior(posterior.flat(unflatten(deep.net, theta)))
        python_side.append((value, flatten(deep.net, posterior.arrays(gradient))))
    (v1, g1), (v2, g2) = page_side
    assert v1 - v2 == pytest.approx(python_side[0][0] - python_side[1][0], rel=1e-9)
    np.testing.assert_allclose(g1, python_side[0][1], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(g2, python_side[1][1], rtol=1e-9, atol=1e-9)


def test_the_pages_laplace_at_the_builds_map_equals_pythons(page, deep):
    """On the build's own MAP and data, carried in the deck: the GGN, τ by the evidence, the
    linearised predictive of the class-1 logit and its mutual information at 20 points."""
    from bdl_demo.model.laplace import Laplace, bernoulli_doubt, class_one_logit, flatten, ggn

    build = built(playground(page, deep))
    X, y = deep.data.X_train, deep.data.y_train
    np.testing.assert_array_equal(build["map"], flatten(deep.net, deep.fit.map))  # carried exactly
    np.testing.assert_array_equal(build["x"], X)
    rng = np.random.default_rng(20)
    probe = np.column_stack([rng.uniform(*build["xlim"], 20), rng.uniform(*build["ylim"], 20)])
    page_side = page.evaluate("""([build, points, probe]) => { const P = BDL.playground, net = %s;
        const posterior = P.laplace(net, Float64Array.from(build.map), points);
        const at = probe.map(([a, b]) => { const {mean, variance} = P.predictive(net, posterior, a, b);
            return [mean, variance, P.doubt(mean, variance, build.nodes, build.weights).information]; });
        return {ggn: Array.from(posterior.ggn), tau: posterior.tau, at}; }""" % network_in_page(build),
                              [build, training_points(deep), probe.tolist()])
    approximation = Laplace.at(deep.net, X, y, deep.fit.map)
    curvature = ggn(deep.net, X, y, approximation.theta)
    np.testing.assert_allclose(np.reshape(page_side["ggn"], curvature.shape), curvature, rtol=1e-6, atol=1e-6)
    tau = approximation.optimize_prior_precision()
    assert page_side["tau"] == pytest.approx(tau, rel=1e-6)
    assert tau == pytest.approx(deep.fit.diagnostics["tau"], rel=1e-6)  # the τ of the build's own fit
    mean, variance = class_one_logit(*approximation.glm_predictive(tau, probe))
    at = np.array(page_side["at"])
    np.testing.assert_allclose(at[:, 0], mean, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(at[:, 1], variance, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(at[:, 2], bernoulli_doubt(mean, variance)[1], atol=1e-6)
    assert variance.min() > 0 and np.ptp(at[:, 2]) > 0.05  # real doubt, not a spike: it varies over the plane


def test_training_from_the_decks_data_and_seed_reaches_95_percent(page, deep):
    figure = playground(page, deep)
    assert figure.get_attribute("data-points") == str(len(deep.data.y_train))
    page.wait_for_function(f"() => Number(document.querySelector('{FIGURE}').dataset.trainAccuracy) >= 0.95",
                           timeout=10_000)
    assert int(figure.get_attribute("data-steps")) > 0
    assert re.fullmatch(r"step \d+ · loss \d\.\d{3} · accuracy \d+ %( · τ [\d.]+)?( · settled)?",
                        figure.locator('[data-role="label"]').text_content())


def doubt_at(figure, build: dict, x: float, y: float) -> float:
    """The mutual information the page painted at (x, y): the right map's pixel there, read back
    through the colour table of the build."""
    from matplotlib.image import imread

    href = figure.locator("g.bdl-playground image").nth(1).get_attribute("href")
    pixels = imread(io.BytesIO(base64.b64decode(href.split(",", 1)[1])), format="png")
    n = build["grid"]
    column = int((x - build["xlim"][0]) / (build["xlim"][1] - build["xlim"][0]) * n)
    row = int((build["ylim"][1] - y) / (build["ylim"][1] - build["ylim"][0]) * n)
    shade = pixels[row, column, :3] * 255
    table = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in build["colors"]["doubt"]])
    level = int(np.argmin(np.abs(table - shade).sum(axis=1)))
    return level / (len(table) - 1) * build["doubt_top"]


def settled(page, points: int):
    page.wait_for_function(f"""() => {{ const f = document.querySelector('{FIGURE}');
        return f.dataset.settled === 'true' && f.dataset.points === '{points}'; }}""", timeout=30_000)


def test_a_cluster_far_away_takes_the_doubt_away_there_and_clicks_add_and_remove(page, deep):
    figure = playground(page, deep)
    build = built(figure)
    n = len(deep.data.y_train)
    settled(page, n)
    centre = [(build["xlim"][0] + build["xlim"][1]) / 2, (build["ylim"][0] + build["ylim"][1]) / 2]
    far = (centre[0] - build["far"] * (build["xlim"][1] - centre[0]), centre[1] + build["far"] * (build["ylim"][1] - centre[1]))
    before = doubt_at(figure, build, *far)
    assert before > 0.1  # the posterior doubts out there with the moons alone
    figure.locator('[data-role="data"][data-set="far"]').click()
    settled(page, n + 12)
    after = doubt_at(figure, build, *far)
    assert after < 0.75 * before  # the points there take doubt away there

    corner = figure.locator("g.bdl-playground image").first.bounding_box()
    spot = (corner["x"] + 0.9 * corner["width"], corner["y"] + 0.9 * corner["height"])  # bottom right: empty
    page.mouse.click(*spot)
    assert figure.get_attribute("data-points") == str(n + 13)
    page.mouse.click(*spot)  # a click on a point takes it away
    assert figure.get_attribute("data-points") == str(n + 12)


def dots(figure) -> list:
    """Where the page drew the points of the left map, and with which marker."""
    return figure.locator("g.bdl-playground g.points").first.evaluate(
        "g => [...g.children].map(c => c.tagName === 'circle' ? ['o', c.getAttribute('cx'), c.getAttribute('cy')]"
        " : ['^', c.getAttribute('d')])")


def test_a_copied_link_reopens_the_same_playground(browser, page, deep):  # noqa: F811
    figure = playground(page, deep)
    controls = figure.locator(".bdl-controls")
    controls.locator('[data-role="layers"]').select_option("1")
    controls.locator('[data-role="width"][data-layer="0"]').fill("5")
    controls.locator('[data-role="width"][data-layer="0"]').dispatch_event("change")
    controls.locator('[data-role="activation"]').select_option("tanh")
    controls.locator('[data-role="seed"]').fill("7")
    controls.locator('[data-role="seed"]').dispatch_event("change")
    controls.locator('[data-role="class"][value="0"]').check()
    controls.locator('[data-role="data"][data-set="far"]').click()
    url = page.url
    query = parse_qs(urlsplit(url).query)
    assert query["layers"] == ["5"] and query["activation"] == ["tanh"] and query["seed"] == ["7"]
    assert query["add"] == ["0"]
    assert urlsplit(url).fragment.startswith("/")  # reveal.js's slide link kept
    where = page.evaluate("Reveal.getIndices()")
    shown = dots(figure)

    other = browser.new_page(viewport={"width": 1280, "height": 720})
    other.goto(url)
    other.wait_for_function("window.Reveal && Reveal.isReady() && window.BDL")
    assert other.evaluate("Reveal.getIndices()") == where
    copy = other.locator(f"section.present {FIGURE}")
    assert copy.get_attribute("data-points") == figure.get_attribute("data-points")
    assert dots(copy) == shown
    for role in ("layers", "activation", "prior", "noise", "seed"):
        assert copy.locator(f'[data-role="{role}"]').input_value() == controls.locator(f'[data-role="{role}"]').input_value()
    assert copy.locator('[data-role="width"][data-layer="0"]').input_value() == "5"
    assert copy.locator('[data-role="class"][value="0"]').is_checked()
    other.wait_for_function(f"() => Number(document.querySelector('section.present {FIGURE}').dataset.steps) > 0")
    other.close()


def test_controls_keep_their_keys_and_reveal_keeps_the_rest(page, deep):
    figure = playground(page, deep)
    where = page.evaluate("Reveal.getIndices()")
    seed = figure.locator('[data-role="seed"]')
    seed.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")  # the number's own key: one up
    assert page.evaluate("Reveal.getIndices()") == where
    assert seed.input_value() == str(built(figure)["seed"] + 1)
    page.locator("section.present h3").click()  # focus leaves the controls
    page.keyboard.press("ArrowRight")
    assert page.evaluate("Reveal.getIndices()") != where


def test_reduced_motion_shows_the_trained_result_at_once(browser, real_deck, deep):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
    page = context.new_page()
    page.goto((real_deck / "index.html").as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady() && window.BDL")
    figure = playground(page, deep)
    assert figure.get_attribute("data-settled") == "true"  # trained before the slide was drawn: no frames
    assert float(figure.get_attribute("data-train-accuracy")) >= 0.95
    context.close()


def test_touch_adds_and_removes_points_in_the_reading_view(browser, real_deck, deep):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((real_deck / "read.html").as_uri())
    page.wait_for_function("window.BDL")
    figure = page.locator(FIGURE)
    figure.scroll_into_view_if_needed()
    page.wait_for_function(f"() => Number(document.querySelector('{FIGURE}').dataset.steps) > 0")  # on screen: it trains
    n = int(figure.get_attribute("data-points"))
    box = figure.locator("g.bdl-playground image").first.bounding_box()
    spot = (box["x"] + 0.12 * box["width"], box["y"] + 0.88 * box["height"])
    page.touchscreen.tap(*spot)
    assert figure.get_attribute("data-points") == str(n + 1)
    page.touchscreen.tap(*spot)
    assert figure.get_attribute("data-points") == str(n)
    figure.locator('[data-role="data"][data-set="empty"]').tap()
    assert figure.get_attribute("data-points") == "0"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    context.close()


def test_a_hostile_link_is_read_as_numbers_or_ignored(page, deep):
    """A link's values are checked: nothing from it becomes markup, and out-of-range values are clamped."""
    figure = playground(page, deep)
    url = urlsplit(page.url)
    bad = ("layers=99,-3&activation=%3Cimg%20src=x%20onerror=alert(1)%3E&prior=1e9&seed=-5"
           "&points=1,2,0;%3Cb%3E,0,1")
    page.goto(f"{url.scheme}://{url.netloc}{url.path}?{bad}#{url.fragment}")
    page.wait_for_function("window.Reveal && Reveal.isReady() && window.BDL")
    controls = page.locator(f"section.present {FIGURE} .bdl-controls")
    assert controls.locator('[data-role="layers"]').input_value() == "2"
    assert [controls.locator(f'[data-role="width"][data-layer="{k}"]').input_value() for k in (0, 1)] == ["16", "1"]
    assert controls.locator('[data-role="activation"]').input_value() == built(figure)["activation"]
    assert controls.locator('[data-role="prior"]').input_value() == "10"
    assert controls.locator('[data-role="seed"]').input_value() == "0"
    assert page.locator(f"section.present {FIGURE}").get_attribute("data-points") == str(len(deep.data.y_train))
    assert page.locator("img[src='x']").count() == 0
