"""The companion notebook: slides as Markdown, figures as calls, a deck again through nbconvert.

The conversion is checked on a small talk; the rest on a real draft build of the project
(with the session's draft fits): valid nbformat, every slide and figure in order, nbconvert's
SlidesExporter gives the same slides, and the notebook runs top to bottom in a Jupyter kernel
and draws exactly the figures it embeds.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from xml.dom import minidom

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import SlidesExporter

from bdl_demo.settings.reading import load_settings
from bdl_demo.export.notebook import setup_code, write_notebook
from conftest import leaf_count

PROJECT = Path(__file__).resolve().parent.parent

TALK = r"""# Title

By *someone*

::: notes
Say  hello
to everyone.
:::

---

## Stacked

- one with ${\color{#c62828}{W_{1}}} a_1$
- **two** \* 3

$$
y = x W + b
$$

--

### Figures

::: twins
![](figure:a-fit-point)

![](figure:a-fit-posterior)
:::

{.fragment}
| model | accuracy |
|---|---:|
| net | 96.0 % |

```python
def f(x):
    return x * 2
```
"""


def slide_type(cell) -> str:
    return cell.metadata["slideshow"]["slide_type"]


def figure_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.startswith("show(")]


def test_slides_become_markdown_with_figures_fragments_and_notes(tmp_path):
    from bdl_demo.deck.slides import parse_talk
    from bdl_demo.export.notebook import slide_cells

    figures = {}
    for figure_id in ("a-fit-point", "a-fit-posterior"):
        (tmp_path / f"{figure_id}.svg").write_text(f'<?xml version="1.0"?>\n<svg id="{figure_id}"/>')
        figures[figure_id] = {"file": f"{figure_id}.svg", "alt": f"alt of {figure_id}"}
    title, stacked, below = [(slide, number) for stack in parse_talk(TALK)
                             for number, slide in enumerate(stack)]
    cells = [slide_cells(slide, "slide" if number == 0 else "subslide", figures, tmp_path)
             for slide, number in (title, stacked, below)]
    assert [(c.cell_type, slide_type(c), c.source) for c in cells[0]] == [
        ("markdown", "slide", "# Title\n\nBy *someone*"),
        ("markdown", "notes", "> **Speaker notes.** Say hello to everyone.")]
    assert [(slide_type(c), c.source) for c in cells[1]] == [
        ("slide", "## Stacked\n\n- one with ${\\color{#c62828}{W_{1}}} a_1$\n- **two** \\* 3\n\n$$\ny = x W + b\n$$")]
    assert [(c.cell_type, slide_type(c), c.source) for c in cells[2]] == [
        ("markdown", "subslide", "### Figures"),
        ("code", "-", 'show("a-fit-point")'),
        ("code", "-", 'show("a-fit-posterior")'),
        ("markdown", "fragment", "| model | accuracy |\n|---|---:|\n| net | 96.0 % |\n\n```python\n"
                                 "def f(x):\n    return x * 2\n```")]
    assert cells[2][1].outputs[0].data == {"image/svg+xml": '<svg id="a-fit-point"/>',
                                           "text/plain": "alt of a-fit-point"}


def test_setup_cell_finds_the_project_from_the_notebooks_folder(tmp_path):
    project, elsewhere = tmp_path / "talk", tmp_path / "elsewhere"
    code = setup_code({"line": None}, "draft", project / "deck.toml", project / ".cache", project / "public" / "slides",
                      project=project)
    assert 'project = Path("../..")' in code and 'load_settings(project / "deck.toml")' in code
    assert 'fitted_models(settings, "draft", ["line"], Cache(project / ".cache"))' in code
    code = setup_code({"line": None}, "draft", elsewhere / "my.toml", elsewhere / "cache", project / "slides",
                      project=project)  # settings and cache outside the project: named in full
    assert f'load_settings(project / "{(elsewhere / "my.toml").as_posix()}")' in code
    assert f'Cache(project / "{(elsewhere / "cache").as_posix()}")' in code


@pytest.fixture(scope="module")
def built(draft_models, fit_cache, tmp_path_factory):
    """A real draft build of the project into a temporary folder, and its notebook."""
    import json

    from bdl_demo.cli import main

    root = tmp_path_factory.mktemp("notebook")
    slides, images = root / "slides", root / "images"
    assert main(["-q", "--quality", "draft", "--notebook", "--out", str(slides), "--images", str(images)]) == 0
    figures = json.loads((slides / "report.json").read_text())["figures"]
    return {"dir": slides, "html": (slides / "index.html").read_text(), "figures": figures,
            "images": images, "models": draft_models, "cache": fit_cache}


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


def test_setup_cell_loads_the_same_settings_fits_and_figures(built, notebook):
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert slide_type(setup) == "skip"
    assert 'project = Path("../../' in setup.source  # from the deck folder back to where the build ran
    assert f'fitted_models(settings, "draft", {json.dumps(list(built["models"]))}, Cache(project / ' in setup.source
    assert "def show(figure_id):" in setup.source


def test_math_stays_math_for_jupyter(notebook):
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "$$\n\\begin{aligned}" in markdown
    assert "$\\operatorname{act}(X\\," in markdown
    assert "\\[" not in markdown and "\\(" not in markdown
    # nbconvert's MathJax 2 has no \textcolor; {\color{…}{…}} reads the same everywhere
    assert "\\textcolor" not in markdown and "{\\color{#c62828}{W_{1}}}" in markdown
    assert "{.fragment" not in markdown and "]{." not in markdown  # the deck's own syntax is gone


def test_same_deck_same_bytes(built, tmp_path):
    from bdl_demo.deck.talk import render_talk

    report = json.loads((built["dir"] / "report.json").read_text())
    stacks = render_talk(PROJECT / "templates", deck=load_settings(PROJECT / "deck.toml").deck,
                         models=built["models"], report=report).stacks
    again = tmp_path / "deck.ipynb"
    write_notebook(again, stacks, models=built["models"], figures=built["figures"],
                   images_dir=built["images"], quality="draft", config=PROJECT / "deck.toml",
                   cache=built["cache"], deck_dir=built["dir"])
    assert again.read_bytes() == (built["dir"] / "deck.ipynb").read_bytes()


def test_nbconvert_makes_the_same_slides(built, notebook):
    html, _ = SlidesExporter().from_notebook_node(notebook)
    assert leaf_count(html) == leaf_count(built["html"])
    assert html.count('<aside class="notes">') == built["html"].count('<aside class="notes">')
    assert 'class="fragment"' in html
    assert html.count('data-mime-type="image/svg+xml"') == len(figure_cells(notebook))


def test_notebook_runs_and_draws_the_figures_it_shows(built, notebook):
    client = NotebookClient(nbformat.from_dict(notebook), timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(built["dir"])}})  # as Jupyter runs it
    executed = client.execute()  # raises CellExecutionError on the first failing cell
    errors = [output for cell in executed.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    for embedded, drawn in zip(figure_cells(notebook), figure_cells(executed), strict=True):
        (output,) = [o for o in drawn.outputs if o.output_type == "execute_result"]
        # IPython's SVG keeps the <svg> element as minidom writes it: compare in that form.
        expected = minidom.parseString(embedded.outputs[0].data["image/svg+xml"]).documentElement.toxml()
        assert output.data["image/svg+xml"] == expected, embedded.source
