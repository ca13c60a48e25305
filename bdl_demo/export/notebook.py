"""The companion notebook: every slide as Markdown, every figure as the call that draws it.

Made from the same list of slides as the deck: each block of a slide becomes a Markdown cell, and
each figure a code cell, `show("<figure id>")`, whose output is the figure the build drew,
embedded without running anything; running the notebook draws them again from the same fits.
Slideshow metadata mirrors the deck (slides, slides below, fragments, speaker notes), so
`jupyter nbconvert --to slides deck.ipynb` makes a deck of it too.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
from nbformat import v4

from bdl_demo.deck.slides import Block, Slide, Stack, plain_markdown
from bdl_demo.files import atomic_write
from bdl_demo.model.fit import FittedModel

# Where Markdown's text is not text (code blocks and spans, and math, which Jupyter typesets before
# Markdown), or else a `<`, which Markdown would take for raw HTML.
VERBATIM_OR_TAG = re.compile(r"(```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]+\$)|<", re.DOTALL)

SETUP = '''\
from pathlib import Path

from IPython.display import SVG

from bdl_demo.figures import render, resolve
from bdl_demo.pipeline import fitted_models
from bdl_demo.results.cache import Cache
from bdl_demo.settings.reading import load_settings

# The folder the deck was built in (from this notebook's folder): its settings and its cached fits.
project = Path({project})
settings = load_settings(project / {config})
models = fitted_models(settings, {quality}, {model_ids}, Cache(project / {cache}))  # from the cache, or fitted if it is cold


def show(figure_id):
    """Draw one figure of the deck from the fitted models."""
    return SVG(render(resolve(figure_id, models), models).svg)
'''

INTRO = """\
# {title}: the notebook

Every slide of the deck is a Markdown cell below, and every figure is followed by the code that
draws it from the fitted models (the `{quality}` profile). The figures shown were drawn when the
deck was built; run the notebook to draw them again.

It runs where the deck was built, with bdl_demo installed; after `bdl-demo --quality {quality}`
every fit comes from the cache, so nothing is refitted. `jupyter nbconvert --to slides deck.ipynb`
turns it into a slideshow.
"""


def write_notebook(out: Path, stacks: list[Stack], *, models: dict[str, FittedModel],
                   figures: dict[str, dict], images_dir: Path, quality: str, config: Path, cache: Path,
                   deck_dir: Path) -> None:
    """slides/deck.ipynb: Markdown and figure cells per slide, with slideshow metadata."""
    title = stacks[0][0].title if stacks and stacks[0] else "The deck"
    cells = [_with_type(v4.new_markdown_cell(INTRO.format(title=as_text(title), quality=quality)), "skip"),
             _with_type(v4.new_code_cell(setup_code(models, quality, config, cache, deck_dir)), "skip")]
    for stack in stacks:
        for number, slide in enumerate(stack):
            cells += slide_cells(slide, "slide" if number == 0 else "subslide", figures, Path(images_dir))
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number}"  # stable ids: the same deck gives the same notebook bytes
    notebook = v4.new_notebook(cells=cells, metadata={
        "title": title,
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    atomic_write(Path(out), nbformat.writes(notebook).encode())


def setup_code(models: dict[str, FittedModel], quality: str, config: Path, cache: Path, deck_dir: Path,
               project: Path | None = None) -> str:
    """The first code cell: load the settings and fits, and define `show`. Paths inside the
    project folder (where the build ran) are written relative to it, and the project relative to
    the deck folder the notebook sits in, so the two can move together."""
    project = Path(project or Path.cwd()).resolve()
    return SETUP.format(project=json.dumps(Path(os.path.relpath(project, Path(deck_dir).resolve())).as_posix()),
                        config=json.dumps(_inside(Path(config), project)), cache=json.dumps(_inside(Path(cache), project)),
                        quality=json.dumps(quality), model_ids=json.dumps(list(models)))


def _inside(path: Path, project: Path) -> str:
    """The path relative to the project when it is inside it, else in full."""
    path = path.resolve()
    return (path.relative_to(project) if path.is_relative_to(project) else path).as_posix()


def slide_cells(slide: Slide, kind: str, figures: dict[str, dict], images_dir: Path) -> list:
    """The cells of one slide: its text and figures in order, then its speaker notes."""
    cells, text = [], []

    def add(cell, fragment: bool):
        slide_type = kind if not cells else ("fragment" if fragment else "-")
        cells.append(_with_type(cell, slide_type))

    def flush():
        if text:
            add(v4.new_markdown_cell(as_text("\n\n".join(source for source, _ in text))), text[0][1])
            text.clear()

    for block, fragment in _leaves(slide.blocks):
        if block.figures:
            flush()
            for figure_id in block.figures:
                add(figure_cell(figure_id, figures[figure_id], images_dir), fragment)
        else:
            if fragment:
                flush()
            text.append((plain_markdown(block.source), fragment))
    flush()
    if slide.notes:
        notes = as_text(plain_markdown(slide.notes_text))
        cells.append(_with_type(v4.new_markdown_cell(f"> **Speaker notes.** {' '.join(notes.split())}"), "notes"))
    return cells


def as_text(markdown: str) -> str:
    """Markdown whose `<` is always text, as in the deck: Jupyter and nbconvert pass raw HTML in
    Markdown through, so a title holding a tag would become one. Code and math are left as they are."""
    return VERBATIM_OR_TAG.sub(lambda match: match[1] or "&lt;", markdown)


def _leaves(blocks: list[Block], fragment: bool = False) -> list[tuple[Block, bool]]:
    """The blocks of a slide with every ::: layout opened up into the blocks it holds, each with
    whether it appears one step later (a layout that is a fragment passes that to its first block)."""
    leaves = []
    for block in blocks:
        if block.layout:
            leaves += _leaves(block.inner(), fragment or block.fragment)
        else:
            leaves.append((block, fragment or block.fragment))
        fragment = False
    return leaves


def figure_cell(figure_id: str, entry: dict, images_dir: Path):
    """`show("<id>")`, with the figure the build drew as its output."""
    svg = (images_dir / entry["file"]).read_text(encoding="utf-8")
    svg = svg[svg.index("<svg"):]  # as IPython's SVG shows it: without the XML prologue
    cell = v4.new_code_cell(f'show("{figure_id}")')
    cell.outputs = [v4.new_output("display_data", data={"image/svg+xml": svg, "text/plain": entry["alt"]})]
    return cell


def _with_type(cell, slide_type: str):
    """The cell, marked for nbconvert's slides: slide, subslide, fragment, -, skip or notes."""
    cell.metadata["slideshow"] = {"slide_type": slide_type}
    return cell
