"""The companion notebook: slides as Markdown, figures as calls, a deck again through nbconvert.

The Markdown conversion is checked on a small page; the rest on a real draft build of the project
(with the session's draft fits): valid nbformat, every slide and figure in order, nbconvert's
SlidesExporter gives the same slides, and the notebook runs top to bottom in a Jupyter kernel
and draws exactly the figures it embeds.
"""
from __future__ import annotations

import re
from pathlib import Path
from xml.dom import minidom

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import SlidesExporter

from bdl_demo.notebook import SlideReader, setup_code, write_notebook
from conftest import leaf_count

PROJECT = Path(__file__).resolve().parent.parent

PAGE = r"""<html><head><title>A deck</title></head><body><div class="slides">
<section><h1>Title</h1><p>By <em>someone</em></p><aside class="notes">Say  hello
to everyone.</aside></section>
<section>
<section><h2>Stacked</h2>
<ul><li>one with \( \textcolor{#c62828}{W_{1}} a_1 \)</li><li class="fragment"><strong>two</strong> * 3</li></ul>
<div class="math">\[ y = x W + b \]</div></section>
<section><h3>Figures</h3>
<div class="columns two">
<figure><figcaption>from this…</figcaption><img src="images/a.svg" alt="A"></figure>
<figure class="fragment"><figcaption>…to this</figcaption><img src="images/b.svg" alt="B"></figure>
</div>
<table><thead><tr><th>model</th><th>accuracy</th></tr></thead>
<tbody><tr><td>net</td><td>96.0 %</td></tr></tbody></table>
<pre class="code"><code><span>def</span> f(x):
    return x * 2
</code></pre>
</section>
</section></div></body></html>"""


def slide_type(cell) -> str:
    return cell.metadata["slideshow"]["slide_type"]


def figure_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.startswith("show(")]


def test_slides_become_markdown_with_figures_fragments_and_notes():
    reader = SlideReader()
    reader.feed(PAGE)
    title, stacked, figures = reader.slides
    assert reader.title == "A deck"
    assert [s.kind for s in reader.slides] == ["slide", "slide", "subslide"]
    assert title.parts[0].markdown == ["# Title", "By *someone*"]
    assert title.notes == "Say hello to everyone."
    assert stacked.parts[0].markdown == ["## Stacked", "- one with ${\\color{#c62828}{W_{1}}} a_1$\n- **two** \\* 3",
                                         "$$y = x W + b$$"]
    texts = [part.markdown or part.image["src"] for part in figures.parts]
    assert texts == [["### Figures", "*from this…*"], "images/a.svg", ["*…to this*"],
                     "images/b.svg", ["| model | accuracy |\n| --- | --- |\n| net | 96.0 % |",
                                      "```python\ndef f(x):\n    return x * 2\n```"]]
    assert [part.fragment for part in figures.parts] == [False, False, True, False, False]


def test_setup_cell_names_a_config_outside_the_project_by_its_full_path(tmp_path):
    code = setup_code({"linear": None}, "draft", tmp_path / "my.toml")
    assert f'load_settings("{(tmp_path / "my.toml").as_posix()}")' in code
    assert 'fit_models(settings, "draft", ["linear"])' in code


@pytest.fixture(scope="module")
def built(draft_models, tmp_path_factory):
    """A real draft build of the project into a temporary folder, and its notebook."""
    from bdl_demo.cli import main
    from bdl_demo.figures import build_figures

    root = tmp_path_factory.mktemp("notebook")
    slides, images = root / "slides", root / "images"
    assert main(["-q", "--quality", "draft", "--out", str(slides), "--images", str(images)]) == 0
    figures = build_figures(draft_models, images, log=lambda message: None)  # all cached by now
    write_notebook(slides / "deck.ipynb", index_html=slides / "index.html", models=draft_models,
                   figures=figures, images_dir=images, quality="draft", config=PROJECT / "deck.toml")
    return {"dir": slides, "html": (slides / "index.html").read_text(), "figures": figures,
            "images": images, "models": draft_models}


@pytest.fixture(scope="module")
def notebook(built):
    return nbformat.read(built["dir"] / "deck.ipynb", as_version=4)


def test_notebook_is_valid_with_a_cell_per_slide(built, notebook):
    nbformat.validate(notebook)
    slides = leaf_count(built["html"])
    assert slides > 40
    assert len(notebook.cells) >= slides
    starts = [cell for cell in notebook.cells if slide_type(cell) in ("slide", "subslide")]
    assert len(starts) == slides
    assert all(cell.cell_type == "markdown" for cell in starts)
    assert {slide_type(cell) for cell in notebook.cells} <= {"slide", "subslide", "fragment", "-", "skip", "notes"}
    notes = [cell for cell in notebook.cells if slide_type(cell) == "notes"]
    assert len(notes) == built["html"].count('<aside class="notes">')


def test_every_figure_is_a_call_with_the_built_figure_as_output(built, notebook):
    shown = [Path(src).stem for src in re.findall(r'<img class="figure" src="([^"]+)"', built["html"])]
    cells = figure_cells(notebook)
    assert [cell.source for cell in cells] == [f'show("{figure_id}")' for figure_id in shown]
    for cell in cells:
        figure_id = cell.source[len('show("'):-2]
        (output,) = cell.outputs
        assert output.output_type == "display_data"
        assert output.data["text/plain"] == built["figures"][figure_id]["alt"]
        svg = (built["images"] / f"{figure_id}.svg").read_text()
        assert output.data["image/svg+xml"] == svg[svg.index("<svg"):]


def test_setup_cell_loads_the_same_settings_fits_and_figures(notebook):
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert slide_type(setup) == "skip"
    assert 'load_settings("deck.toml")' in setup.source
    assert 'fit_models(settings, "draft", ["linear", "logistic", "deepnet", "digits"])' in setup.source
    assert "def show(figure_id):" in setup.source


def test_math_stays_math_for_jupyter(notebook):
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "$$\\begin{aligned}" in markdown
    assert "$\\operatorname{act}(X\\," in markdown
    assert "\\[" not in markdown and "\\(" not in markdown
    # nbconvert's MathJax 2 has no \textcolor; {\color{…}{…}} reads the same everywhere
    assert "\\textcolor" not in markdown and "{\\color{#c62828}{W_{1}}}" in markdown


def test_same_deck_same_bytes(built, tmp_path):
    again = tmp_path / "deck.ipynb"
    write_notebook(again, index_html=built["dir"] / "index.html", models=built["models"],
                   figures=built["figures"], images_dir=built["images"], quality="draft",
                   config=PROJECT / "deck.toml")
    assert again.read_bytes() == (built["dir"] / "deck.ipynb").read_bytes()


def test_nbconvert_makes_the_same_slides(built, notebook):
    html, _ = SlidesExporter().from_notebook_node(notebook)
    assert leaf_count(html) == leaf_count(built["html"])
    assert html.count('<aside class="notes">') == built["html"].count('<aside class="notes">')
    assert 'class="fragment"' in html
    assert html.count('data-mime-type="image/svg+xml"') == len(figure_cells(notebook))


def test_notebook_runs_and_draws_the_figures_it_shows(notebook):
    client = NotebookClient(nbformat.from_dict(notebook), timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(PROJECT)}})
    executed = client.execute()  # raises CellExecutionError on the first failing cell
    errors = [output for cell in executed.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    for embedded, drawn in zip(figure_cells(notebook), figure_cells(executed), strict=True):
        (output,) = [o for o in drawn.outputs if o.output_type == "execute_result"]
        # IPython's SVG keeps the <svg> element as minidom writes it: compare in that form.
        expected = minidom.parseString(embedded.outputs[0].data["image/svg+xml"]).documentElement.toxml()
        assert output.data["image/svg+xml"] == expected, embedded.source
