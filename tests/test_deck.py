"""The deck renders without a browser: every slide, every file it references, nothing remote, clear errors."""
from __future__ import annotations

import dataclasses
import html as html_lib
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import synthetic_deck
from bdl_demo.deck import assets
from bdl_demo.deck.assets import AssetError, copy_assets, ensure_assets
from bdl_demo.deck.html import DeckError
from bdl_demo.deck.pages import write_deck
from bdl_demo.deck.talk import Talk
from bdl_demo.results.cache import Cache
from bdl_demo.results.figures import Figures
from bdl_demo.deck.talk import TalkError, check_templates, seconds

PROJECT = Path(__file__).resolve().parent.parent


class Links(HTMLParser):
    """Every file a page loads (src, and href but on links a reader follows), every link a reader
    can follow, and the text of each leaf <section>."""

    def __init__(self):
        super().__init__()
        self.links, self.anchors, self.slides, self.stack = [], [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.anchors += [value for name, value in attrs if name == "href"]
        else:
            self.links += [value for name, value in attrs if name in ("src", "href") and value]
        if tag == "section":
            if self.stack:
                self.stack[-1]["leaf"] = False
            self.stack.append({"leaf": True, "text": ""})

    def handle_data(self, data):
        if self.stack:
            self.stack[-1]["text"] += data

    def handle_endtag(self, tag):
        if tag == "section":
            slide = self.stack.pop()
            if slide["leaf"]:
                self.slides.append(slide["text"])
            if self.stack:
                self.stack[-1]["text"] += slide["text"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("deck")
    synthetic_deck.build(root / "slides", root / "images")
    return root / "slides"


def parsed(out: Path) -> Links:
    page = Links()
    page.feed((out / "index.html").read_text())
    return page


def test_every_slide_renders_with_text(built):
    slides = parsed(built).slides
    assert len(slides) >= 40
    assert all(text.strip() for text in slides)


def test_every_figure_the_slides_ask_for_is_shown_and_copied(built):
    html = (built / "index.html").read_text()
    asked = synthetic_deck.figure_ids(synthetic_deck.talk())
    for figure_id in asked:
        assert re.search(rf'src="images/{figure_id}\.svg" alt="[^"]*"', html), figure_id
    assert sorted(p.stem for p in (built / "images").iterdir()) == sorted(asked)


def test_every_referenced_file_exists_and_none_is_remote(built):
    links = parsed(built).links
    assert links
    for link in links:
        assert not re.match(r"(https?:)?//", link), link
        assert (built / link).is_file(), link
    # The math plugin loads KaTeX itself, from the folder the page names.
    local = re.search(r'local: "([^"]+)"', (built / "index.html").read_text()).group(1)
    for name in ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js"):
        assert (built / local / "dist" / name).is_file()


def test_links_for_readers_point_to_the_web_not_to_assets(built):
    anchors = parsed(built).anchors
    assert any("pymc.io" in a for a in anchors) and any("doi.org" in a or "arxiv.org" in a for a in anchors)
    for anchor in anchors:  # the web, or a page of the deck itself (the reading view)
        assert anchor.startswith("https://") or (built / anchor).is_file(), anchor
    assert "read.html" in anchors


def test_copied_stylesheets_load_nothing_remote_and_their_fonts_exist(built):
    for css in built.glob("lib/**/*.css"):
        text = css.read_text()
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text), css
        for font in re.findall(r"url\(\s*['\"]?([^)'\"]+\.woff2)", text):
            assert (css.parent / font).is_file(), font


def test_deck_is_small(built):
    lib = sum(p.stat().st_size for p in (built / "lib").rglob("*") if p.is_file())
    assert lib < 2_000_000


def test_code_slides_show_the_real_source(built):
    from bdl_demo.deck.listing import source_text

    text = html_lib.unescape(re.sub(r"<[^>]+>", "", (built / "index.html").read_text()))
    assert source_text("bdl_demo.model.bayesian", "bayesian_network") in text
    assert source_text("bdl_demo.model.network", "Network.forward") in text
    assert 'class="code"' in (built / "index.html").read_text()


def test_rendering_does_not_import_pymc_or_matplotlib(tmp_path):
    script = ("import sys; sys.path.insert(0, 'tests'); from pathlib import Path; import synthetic_deck; "
              f"synthetic_deck.build(Path({str(tmp_path / 'out')!r}), Path({str(tmp_path / 'img')!r})); "
              "print(*[m in sys.modules for m in ('pymc', 'pytensor', 'matplotlib')])")
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False"]


# --- the story: hook, follow along, take-home, cheat sheet, the library ------------------------------

def test_the_title_slide_offers_the_deck_by_url_and_qr_code_only_when_there_is_a_url():
    with_url = synthetic_deck.talk()
    assert "basics-qr" in with_url[0][0].figures and synthetic_deck.DECK["url"] in with_url[0][0].blocks[-1].source
    without = synthetic_deck.talk(deck=synthetic_deck.DECK | {"url": ""})
    assert "basics-qr" not in synthetic_deck.figure_ids(without)


def test_the_talk_opens_with_the_problem_it_solves():
    titles = sections_of(synthetic_deck.talk())
    assert titles[1] == "Why people give up on deep-learning posts"


def test_the_take_home_slide_shows_a_deep_nets_matrices_point_then_bayesian():
    models = synthetic_deck.fitted_models()
    slide = next(stack[0] for stack in synthetic_deck.talk(models) if stack[0].title == "Two things to take home")
    deep = next(m for m in models.values() if m.net.hidden)
    assert slide.figures == [f"{deep.id}-matrix-point-small", f"{deep.id}-matrix-posterior-small"]


def test_the_recap_is_a_cheat_sheet_of_three_views_point_then_bayesian_per_model(built):
    """Each model's cheat sheet: its function, matrices and diagram as trained, then in the same
    place one step later, as a Bayesian model."""
    html = (built / "index.html").read_text()
    sheets = re.findall(r'<h3>Cheat sheet: .*?</h3>\n<div class="r-stack">(.*?)\n<aside', html, flags=re.DOTALL)
    models = synthetic_deck.fitted_models()
    assert len(sheets) == len(models)
    for sheet, model in zip(sheets, models.values()):
        point, bayesian = re.findall(r'<div class="together[^"]*" data-fragment-index="0">(.*?)\n</div>\n(?=<div|</div>)',
                                     sheet, flags=re.DOTALL)
        for views, estimate in ((point, "point"), (bayesian, "posterior")):
            assert views.count('class="math"') == 1
            assert re.findall(r'images/([\w-]+)\.svg', views) == [f"{model.id}-matrix-{estimate}-small",
                                                                  f"{model.id}-diagram-{estimate}-small"]

def free_names(source: str) -> set[str]:
    """The names a function's source uses without defining them: not a parameter, an assignment, an
    import or a loop or comprehension variable of its own, nor a builtin."""
    import ast
    import builtins

    tree = ast.parse(source)
    bound = {a.arg for node in ast.walk(tree) if isinstance(node, ast.arguments)
             for a in [*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg] if a}
    bound |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    bound |= {(alias.asname or alias.name).split(".")[0] for node in ast.walk(tree)
              if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    bound |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return used - bound - set(dir(builtins))


def code_blocks(built) -> list[str]:
    """The code listings of the deck, as text."""
    html = (built / "index.html").read_text()
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", block))
            for block in re.findall(r'<pre class="code"><code>(.*?)</code></pre>', html, re.DOTALL)]


def test_the_library_slide_shows_every_function_that_samples_or_fits_with_pymc(built):
    import ast
    import inspect

    from bdl_demo.deck.listing import source_text
    from bdl_demo.model import inference

    tree = ast.parse(inspect.getsource(inference))
    callers = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)
               and any(isinstance(call, ast.Call) and ast.unparse(call.func) in ("pm.sample", "pm.fit")
                       for call in ast.walk(node))]
    assert callers and any(all(source_text("bdl_demo.model.inference", name) in block for name in callers)
                           for block in code_blocks(built))


def test_every_name_a_code_slide_uses_is_defined_on_it_or_said_in_its_caption(built):
    """numpy and PyMC by their usual short names; anything else the code uses is defined in the
    listing itself or named in the words on its slide."""
    slides = re.split(r"<section", (built / "index.html").read_text())
    assert any('<pre class="code">' in slide for slide in slides)
    for slide in (re.sub(r'<aside class="notes">.*?</aside>', "", s, flags=re.DOTALL) for s in slides):
        for block in re.findall(r'<pre class="code"><code>(.*?)</code></pre>', slide, re.DOTALL):
            code = html_lib.unescape(re.sub(r"<[^>]+>", "", block))
            words = html_lib.unescape(re.sub(r"<[^>]+>", " ", slide.replace(block, "")))
            unexplained = {name for name in free_names(code) - {"np", "pm"} if name not in words}
            assert not unexplained, (unexplained, code[:80])


# --- models are data: sections follow the models and their kinds ----------------------------------

def sections_of(stacks) -> list[str]:
    return [stack[0].title for stack in stacks]


def test_each_model_brings_the_sections_of_its_kind():
    models = synthetic_deck.fitted_models()
    titles = sections_of(synthetic_deck.talk(models))
    for model in models.values():
        if model.kind in ("regression", "binary"):
            assert f"{model.title}, three ways" in titles
        if model.kind == "multiclass":
            assert "Real data" in titles
    # In the order of the models given.
    views = [t for t in titles if t.endswith(", three ways")]
    assert views == [f"{m.title}, three ways" for m in models.values() if m.kind != "multiclass"]


def test_a_removed_model_takes_its_sections_and_figures_with_it():
    models = synthetic_deck.fitted_models(ids=["coin", "bent"])
    stacks = synthetic_deck.talk(models)
    figures = synthetic_deck.figure_ids(stacks)
    assert figures and all(f.startswith(("coin-", "bent-", "basics-", "all-")) for f in figures)
    assert "Real data" not in sections_of(stacks)
    assert not any("Linear regression" in t for t in sections_of(stacks))


def test_a_second_model_of_a_kind_gets_its_own_sections():
    models = synthetic_deck.fitted_models()
    again = dataclasses.replace(models["bent"], id="bent_two", title="Another deep net")
    stacks = synthetic_deck.talk(models | {"bent_two": again})
    assert "Another deep net, three ways" in sections_of(stacks)
    assert "bent_two-fit-uncertainty" in synthetic_deck.figure_ids(stacks)
    # The activation functions are introduced once, after the first deep net.
    assert synthetic_deck.figure_ids(stacks).count("basics-activations") == 1


@pytest.fixture
def templates(tmp_path) -> Path:
    """A copy of templates/ to break."""
    copy = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", copy)
    return copy


def _break(templates: Path, name: str, line: int, text: str) -> None:
    path = templates / name
    lines = path.read_text().splitlines()
    lines.insert(line - 1, text)
    path.write_text("\n".join(lines) + "\n")


def test_template_syntax_error_names_file_and_line(tmp_path, templates):
    _break(templates, "regression/views.md", 5, "{% if %}")
    with pytest.raises(TalkError) as error:
        check_templates(templates)
    message = str(error.value)
    assert message.startswith("templates/regression/views.md:5: ") and "\n" not in message


def test_undefined_name_in_template_names_file_and_line(tmp_path, templates):
    _break(templates, "sections/bayes.md", 6, "{{ models.no_such_thing.title }}")
    with pytest.raises(TalkError, match=r"^templates/sections/bayes\.md:6: .*no_such_thing"):
        synthetic_deck.talk(templates=templates)


def test_a_figure_the_build_cannot_make_names_file_and_line(tmp_path, templates):
    _break(templates, "sections/thanks.md", 3, '{% from "macros.md" import img %}{{ img("line-histogram") }}')
    with pytest.raises(TalkError, match=r"^templates/sections/thanks\.md:3: no figure 'line-histogram'"):
        synthetic_deck.talk(templates=templates)


def test_a_figure_written_in_plain_markdown_is_checked_too(tmp_path, templates):
    """Named by the section file and line that asked for it, not the outline."""
    _break(templates, "sections/thanks.md", 3, "![](figure:nosuch-matrix-point)")
    with pytest.raises(TalkError, match=r"^templates/sections/thanks\.md:3: no figure 'nosuch-matrix-point'"):
        synthetic_deck.talk(templates=templates)


def test_missing_figure_file_is_an_error(tmp_path):
    images = tmp_path / "images"
    stacks = synthetic_deck.talk()
    manifest = synthetic_deck.placeholder_figures(synthetic_deck.figure_ids(stacks), images)
    (images / "line-bayes-rule.svg").unlink()
    with pytest.raises(DeckError, match="line-bayes-rule"):
        write_deck(tmp_path / "out", Talk(stacks), Figures(manifest), models=synthetic_deck.fitted_models(),
                   deck=synthetic_deck.DECK, images_dir=images, node_modules=ensure_assets(),
                   templates=PROJECT / "templates", cache=Cache(tmp_path / "cache"))


def test_assets_already_installed_run_no_npm(monkeypatch):
    installed = ensure_assets()  # installs them on a fresh machine
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("npm should not run"))
    assert ensure_assets() == installed == assets.assets_home() / "node_modules"


def test_missing_assets_without_npm_say_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("BDL_DEMO_ASSETS", str(tmp_path / "assets"))
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    with pytest.raises(AssetError, match="install Node.js with npm") as error:
        ensure_assets()
    assert "\n" not in str(error.value)


FAKE_NPM = """#!/bin/sh
echo "$@" > "$NPM_CALLED_WITH"
[ -n "$NPM_FAILS" ] && { echo "npm ERR! network unreachable" >&2; mkdir -p node_modules/katex; exit 1; }
for package in reveal.js katex; do
  mkdir -p node_modules/$package
  version=$(python3 -c "import json; print(json.load(open('package-lock.json'))['packages']['node_modules/$package']['version'])")
  echo "{\\"version\\": \\"$version\\"}" > node_modules/$package/package.json
done
"""


@pytest.fixture
def fake_npm(tmp_path, monkeypatch):
    """An npm that installs the pinned versions (or fails, with NPM_FAILS set) and notes how it was called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(FAKE_NPM)
    (bin_dir / "npm").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("NPM_CALLED_WITH", str(tmp_path / "npm-was-called-with"))
    monkeypatch.setenv("BDL_DEMO_ASSETS", str(tmp_path / "assets"))
    return tmp_path


def test_missing_assets_are_installed_from_the_lock_file_with_npm_ci(fake_npm):
    assert ensure_assets() == fake_npm / "assets" / "node_modules"
    assert (fake_npm / "npm-was-called-with").read_text().split()[0] == "ci"
    assert [p.name for p in (fake_npm / "assets").iterdir() if p.name.startswith(".npm-")] == []


def test_a_failed_npm_leaves_no_half_install(fake_npm, monkeypatch):
    monkeypatch.setenv("NPM_FAILS", "1")
    with pytest.raises(AssetError, match=r"^npm ci failed in .*: npm ERR! network unreachable$"):
        ensure_assets()
    assert not (fake_npm / "assets" / "node_modules").exists()
    assert [p.name for p in (fake_npm / "assets").iterdir() if p.name.startswith(".npm-")] == []


def test_copy_assets_reports_a_damaged_install(tmp_path):
    (tmp_path / "node_modules" / "reveal.js" / "dist").mkdir(parents=True)
    with pytest.raises(AssetError, match=r"reveal\.js/dist/reset\.css is missing"):
        copy_assets(tmp_path / "node_modules", tmp_path / "out")


def test_lockfile_pins_every_package_and_records_no_download_addresses():
    import json

    lock = json.loads((assets.PINS / "package-lock.json").read_text())
    pinned = json.loads((assets.PINS / "package.json").read_text())["dependencies"]
    for name, version in pinned.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert '"resolved"' not in (assets.PINS / "package-lock.json").read_text()


@pytest.mark.parametrize("value, said",
                         [(0.84, "0.8 s"), (14.2, "14 s"), (59.7, "1 min 0 s"), (125, "2 min 5 s")])
def test_timings_read_as_a_speaker_would_say_them(value, said):
    assert seconds(value) == said
