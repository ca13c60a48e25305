"""Text from deck.toml never becomes markup or script: a deck whose title, subtitle, author, event
and a model's title hold tags, quotes, `&` and Jinja braces builds, shows them literally in the
deck, the reading view, the single file, the PDF and nbconvert's slides of the notebook, and no
dialog opens in Chromium."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, require_chromium
from playwright import sync_api

pytestmark = pytest.mark.browser
require_chromium()

HOSTILE = {
    "title": "</title><script>alert(1)</script> Doubt & {{ 7 * 7 }}",
    "subtitle": "<script>alert(2)</script> a subtitle",
    "author": '"><img src=x onerror=alert(3)>',
    "event": "R&D <b onmouseover=alert(4)>night</b>",
}
MODEL_TITLE = "<img src=x onerror=alert(5)> net & {{ }}"


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory, draft_models):
    """deck.toml with every [deck] text and the deep net's title hostile; the session's draft fits."""
    folder = tmp_path_factory.mktemp("hostile")
    text = (ROOT / "deck.toml").read_text()
    for key, value in HOSTILE.items():
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {toml_string(value)}", text, count=1)
    deep = next(m for m in draft_models.values() if m.net.hidden and m.on_a_plane)
    text = text.replace(f"[models.{deep.id}]\n", f"[models.{deep.id}]\ntitle = {toml_string(MODEL_TITLE)}\n", 1)
    (folder / "deck.toml").write_text(text)
    return folder


def build(project) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "-q", "--quality", "draft", "--config", str(project / "deck.toml"),
         "--out", str(project / "slides"), "--images", str(project / "images"),
         "--single-file", "--notebook", "--pdf"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200, env=dict(os.environ))


@pytest.fixture(scope="module")
def hostile_deck(hostile_project):
    """One build: it checks (compiles) every template before it renders the pages from them."""
    result = build(hostile_project)
    assert result.returncode == 0, result.stderr
    return hostile_project / "slides"


def visit(path, script: str = "document.body.innerText"):
    """Open a page from disk with every request off the machine refused; the dialogs it opened,
    and what `script` says of it."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else route.abort())
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)  # let inline handlers (onerror of a broken image) run, if any
        result = page.evaluate(script)
        title = page.title()
        browser.close()
    return dialogs, title, result


@pytest.mark.parametrize("page", ["index.html", "read.html", "deck-standalone.html"])
def test_the_pages_show_the_text_and_run_none_of_it(hostile_deck, page):
    dialogs, title, text = visit(hostile_deck / page, "[...document.querySelectorAll('section')]"
                                 ".map(s => s.textContent).join('\\n') + '\\n' + "
                                 "document.querySelector('meta[name=author]').content")
    assert dialogs == []
    assert title.startswith(HOSTILE["title"])
    for value in (*HOSTILE.values(), MODEL_TITLE):
        assert value in text, value
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", (hostile_deck / page).read_text(), flags=re.S)
    assert "<script>alert" not in markup and "<img src=x" not in markup and "<b onmouseover" not in markup


def test_the_pdf_holds_the_text_on_one_page_per_slide(hostile_deck):
    pdf = hostile_deck / "deck.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Title:\s+(.*)$", info, re.M).group(1) == HOSTILE["title"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto((hostile_deck / "index.html").as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()")
        slides = page.evaluate("document.querySelectorAll('.reveal .slides section:not(:has(section))').length")  # the appendix's too
        browser.close()
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) == slides
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    for key in ("subtitle", "author"):
        assert " ".join(HOSTILE[key].split()) in " ".join(first.split()), key


def test_nbconvert_slides_of_the_notebook_run_none_of_it(hostile_deck, tmp_path):
    shutil.copy(hostile_deck / "deck.ipynb", tmp_path / "deck.ipynb")
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", str(tmp_path / "deck.ipynb")],
                   check=True, capture_output=True, timeout=300)
    made = tmp_path / "deck.slides.html"
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", made.read_text(), flags=re.S)
    assert "<script>alert" not in markup and "<img src=x" not in markup
    dialogs, _, text = visit(made, "document.body.textContent")
    assert dialogs == []
    for value in (HOSTILE["title"], MODEL_TITLE):
        assert value in text, value
