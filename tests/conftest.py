"""Shared fixtures: the project's draft fits, made once per test session in a private cache.

Tests find the models they need by what they are (a linear regression on one input, a deep net on
a plane, a multiclass net), never by the ids deck.toml happens to use today.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


# Debian's chromium drives every browser test (.ci/run installs it); a test tool's own download does not work here.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def require_chromium() -> None:
    """Fail (never skip) a browser test module when chromium is missing, saying how to install it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)


@pytest.fixture(scope="session")
def settings():
    from bdl_demo.settings.reading import load_settings

    return load_settings(ROOT / "deck.toml")


@pytest.fixture(scope="session")
def fit_cache(tmp_path_factory):
    """A cache folder shared by the whole session, so each draft model is fitted once."""
    path = tmp_path_factory.mktemp("cache")
    old = os.environ.get("BDL_DEMO_CACHE")
    os.environ["BDL_DEMO_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("BDL_DEMO_CACHE", None)
    else:
        os.environ["BDL_DEMO_CACHE"] = old


@pytest.fixture(scope="session")
def draft_models(settings, fit_cache):
    """Every model of deck.toml fitted with the draft profile (cached after the first test that asks)."""
    from bdl_demo.results.cache import Cache
    from bdl_demo.pipeline import fitted_models

    return fitted_models(settings, "draft", list(settings.models), Cache(fit_cache), log=lambda message: None)


def model_where(models: dict, what: str):
    """The first model of deck.toml that is `what` (see MODEL_KINDS); a failure if it has none."""
    found = [model for model in models.values() if MODEL_KINDS[what](model)]
    assert found, f"deck.toml has no {what}: the tests of what the deck shows about one need it"
    return found[0]


MODEL_KINDS = {
    "linear regression": lambda m: m.kind == "regression" and not m.net.hidden and m.on_a_plane,
    "logistic regression": lambda m: m.kind == "binary" and not m.net.hidden and m.on_a_plane,
    "deep net on a plane": lambda m: m.kind != "regression" and m.net.hidden and m.on_a_plane,
    "multiclass net": lambda m: m.kind == "multiclass" and m.net.hidden,
}


@pytest.fixture(scope="session")
def real_deck(draft_models, tmp_path_factory):
    """`build.py --quality draft` of the project itself into a temporary folder: its slides/ folder."""
    from bdl_demo.cli import main

    root = tmp_path_factory.mktemp("real")
    code = main(["-q", "--quality", "draft", "--out", str(root / "slides"), "--images", str(root / "images")])
    assert code == 0
    return root / "slides"


class LeafSections(HTMLParser):
    """Counts the <section>s with no <section> inside: the slides reveal.js shows; and those of
    them marked data-visibility="uncounted" (the appendix)."""

    def __init__(self):
        super().__init__()
        self.stack, self.leaves, self.uncounted = [], 0, 0

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            if self.stack:
                self.stack[-1][0] = False  # the parent has a child section: not a leaf
            self.stack.append([True, ("data-visibility", "uncounted") in attrs])

    def handle_endtag(self, tag):
        if tag == "section":
            leaf, uncounted = self.stack.pop()
            self.leaves += leaf
            self.uncounted += leaf and uncounted


def leaf_count(html: str, counted: bool = False) -> int:
    """How many slides a reveal.js page has, read from its HTML; with `counted`, only those the
    deck counts (not the appendix)."""
    parser = LeafSections()
    parser.feed(html)
    return parser.leaves - (parser.uncounted if counted else 0)
