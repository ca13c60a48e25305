"""The companion notebook: every slide as Markdown, every figure as the call that draws it.

`write_notebook` reads the rendered index.html, so the notebook says exactly what the slides say.
Each figure becomes a code cell, `show("<figure id>")`, whose output is the figure the build drew,
embedded without running anything; running the notebook draws them again from the same fits.
Slideshow metadata mirrors the deck's layout (horizontal slides, vertical sub-slides, fragments,
speaker notes), so `jupyter nbconvert --to slides deck.ipynb` makes a deck of it too.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from nbformat import v4

from bdl_demo.cache import atomic_write
from bdl_demo.fit import FittedModel

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MATH = re.compile(r"\\\[(.+?)\\\]|\\\((.+?)\\\)", re.DOTALL)  # KaTeX's \[display\] and \(inline\)
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>$|])")
HEADINGS = {f"h{level}": level for level in range(1, 7)}
BLOCKS = {"p", "div", "figure", "figcaption", "blockquote", "li", "ul", "ol", "table", "pre", *HEADINGS}
EMPHASIS = {"strong": "**", "b": "**", "em": "*", "i": "*", "figcaption": "*", "code": "`"}

SETUP = '''\
import os
from pathlib import Path

from IPython.display import SVG

import bdl_demo
from bdl_demo.figures import figure_specs, render
from bdl_demo.fits import fit_models
from bdl_demo.settings import load_settings

# Work in the project folder: the fits `python build.py` made are cached in its .cache/.
os.chdir(Path(bdl_demo.__file__).resolve().parent.parent)
settings = load_settings({config})
models = fit_models(settings, {quality}, {model_ids})  # from the cache, or fitted if it is cold
figures = {{spec.id: spec for spec in figure_specs(models)}}


def show(figure_id):
    """Draw one figure of the deck from the fitted models."""
    svg, meta = render(figures[figure_id], models)
    return SVG(svg)
'''

INTRO = """\
# {title}: the notebook

Every slide of the deck is a Markdown cell below, and every figure is followed by the code that
draws it from the fitted models (the `{quality}` profile). The figures shown were drawn when the
deck was built; run the notebook to draw them again.

It runs in a checkout of the project (`pip install -e .`); after `python build.py --quality {quality}`
every fit comes from the cache, so nothing is refitted. `jupyter nbconvert --to slides deck.ipynb`
turns it into a slideshow.
"""


@dataclass
class Part:
    """A stretch of one slide: Markdown text, or a figure (by its image file)."""

    markdown: list[str] = field(default_factory=list)
    image: dict | None = None  # the <img> attributes
    fragment: bool = False  # revealed one step later, like a reveal.js fragment


@dataclass
class Slide:
    """One slide: "slide" starts a new horizontal slide, "subslide" goes below the previous one."""

    kind: str
    parts: list[Part] = field(default_factory=list)
    notes: str = ""


def write_notebook(out: Path, *, index_html: Path, models: dict[str, FittedModel], figures: dict[str, dict],
                   images_dir: Path, quality: str, config: Path) -> None:
    """slides/deck.ipynb: one markdown cell per slide, figure cells with their outputs, slideshow metadata."""
    reader = SlideReader()
    reader.feed(Path(index_html).read_text(encoding="utf-8"))
    reader.close()
    cells = [_with_type(v4.new_markdown_cell(INTRO.format(title=reader.title, quality=quality)), "skip"),
             _with_type(v4.new_code_cell(setup_code(models, quality, config)), "skip")]
    for slide in reader.slides:
        cells += slide_cells(slide, figures, Path(images_dir))
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number}"  # stable ids: the same deck gives the same notebook bytes
    notebook = v4.new_notebook(cells=cells, metadata={
        "title": reader.title,
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    atomic_write(Path(out), nbformat.writes(notebook).encode())


def setup_code(models: dict[str, FittedModel], quality: str, config: Path) -> str:
    """The first code cell: load the settings and fits, and define `show`."""
    config = Path(config).resolve()
    if config.is_relative_to(PROJECT_ROOT):
        config = config.relative_to(PROJECT_ROOT)  # the notebook works in the project folder
    return SETUP.format(config=json.dumps(config.as_posix()), quality=json.dumps(quality),
                        model_ids=json.dumps(list(models)))


def slide_cells(slide: Slide, figures: dict[str, dict], images_dir: Path) -> list:
    """The cells of one slide: its text and figures in order, then its speaker notes."""
    by_file = {entry["file"]: figure_id for figure_id, entry in figures.items()}
    cells = []
    for part in slide.parts:
        figure_id = by_file.get(Path(part.image["src"]).name) if part.image else None
        if figure_id:
            cell = figure_cell(figure_id, figures[figure_id], images_dir)
        elif part.image:  # not a figure of the build: keep it as a picture next to the notebook
            cell = v4.new_markdown_cell(f"![{escape(part.image.get('alt', ''))}]({part.image['src']})")
        else:
            cell = v4.new_markdown_cell("\n\n".join(part.markdown))
        if not cells:
            slide_type = slide.kind
        else:  # "-": on the slide with the cell before it
            slide_type = "fragment" if part.fragment else "-"
        cells.append(_with_type(cell, slide_type))
    if slide.notes:
        cells.append(_with_type(v4.new_markdown_cell(f"> **Speaker notes.** {escape(slide.notes)}"), "notes"))
    return cells


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


def escape(text: str) -> str:
    """Plain text made safe for Markdown: no accidental emphasis, tags, links or math."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


class SlideReader(HTMLParser):
    """The leaf <section>s of a reveal.js page as Slides of Markdown parts, figures and notes."""

    def __init__(self):
        super().__init__()
        self.title, self.slides = "", []
        self.sections: list[int] = []  # for each open <section>, how many <section>s it holds so far
        self.slide: Slide | None = None
        self.buffers: list[list[str]] = [[]]  # inline text; an inner buffer per open emphasis or cell
        self.prefix = ""  # what the next block starts with: "## ", "- ", "1. "
        self.lists: list[list] = []  # for each open list: [ordered, items so far]
        self.table: list[list[str]] | None = None
        self.pre: list[str] | None = None
        self.notes: list[str] | None = None
        self.in_title = False
        self.title_level = 0  # the level of the current slide's first heading
        self.code_depth = 0  # inside <code>: text stays as it is
        self.last_was_item = False
        self.pending_fragment = False  # a fragment opened since the last text or figure was added

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "title":
            self.in_title = True
        elif tag == "section":
            self._open_section()
        if self.slide is None or self.pre is not None or self.notes is not None:
            return
        if tag in BLOCKS:
            self._flush()
        if "fragment" in classes and "fade-out" not in classes:
            self.pending_fragment = True
        if tag == "aside" and "notes" in classes:
            self.notes = []
        elif tag == "pre":
            self.pre = []
        elif tag in HEADINGS:  # the slide's title, then smaller headings (such as a card's) below it
            level = max(HEADINGS[tag], self.title_level + 1) if self.title_level else HEADINGS[tag]
            self.title_level = self.title_level or level
            self.prefix = "#" * level + " "
        elif tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 0])
        elif tag == "li" and self.lists:
            self.lists[-1][1] += 1
            ordered, count = self.lists[-1]
            self.prefix = "   " * (len(self.lists) - 1) + (f"{count}. " if ordered else "- ")
        elif tag == "table":
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") or tag in EMPHASIS:
            self.buffers.append([])
            if tag == "code":
                self.code_depth += 1
        elif tag == "br":
            self.buffers[-1].append(" ")
        elif tag == "img":
            self._flush()
            self._add_part(Part(image=attrs))

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag == "section":
            self._close_section()
        elif self.slide is None:
            return
        elif self.notes is not None:
            if tag == "aside":
                self.slide.notes = " ".join("".join(self.notes).split())
                self.notes = None
        elif self.pre is not None:
            if tag == "pre":
                code, self.pre = "".join(self.pre).strip("\n"), None
                self._add_block(f"```python\n{code}\n```")
        elif tag in ("td", "th") and self.table:
            self.table[-1].append(" ".join("".join(self.buffers.pop()).split()))
        elif tag in EMPHASIS and len(self.buffers) > 1:
            if tag == "code" and self.code_depth:
                self.code_depth -= 1
            self._close_emphasis(EMPHASIS[tag])
            if tag == "figcaption":
                self._flush()
        elif tag == "table" and self.table is not None:
            rows, self.table = self.table, None
            self._add_block(markdown_table(rows))
        elif tag in BLOCKS:
            self._flush()
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()

    def handle_data(self, data):
        if self.in_title:
            self.title += data.strip()
        elif self.slide is None:
            return
        elif self.notes is not None:
            self.notes.append(data)
        elif self.pre is not None:
            self.pre.append(data)
        elif self.code_depth:
            self.buffers[-1].append(data)
        else:
            self._text_with_math(data)

    def _text_with_math(self, data: str) -> None:
        """Escape the text, keep \\(…\\) as $…$ and give \\[…\\] a $$…$$ paragraph of its own."""
        position = 0
        for match in MATH.finditer(data):
            self.buffers[-1].append(escape(data[position:match.start()]))
            display, inline = match.groups()
            if display is not None:
                self._flush()
                self._add_block(f"$${portable_math(' '.join(display.split()))}$$")
            else:
                self.buffers[-1].append(f"${portable_math(inline.strip())}$")
            position = match.end()
        self.buffers[-1].append(escape(data[position:]))

    def _open_section(self):
        """A <section>: a new slide, the first of its stack or one below it."""
        if self.sections:
            self.sections[-1] += 1
        first = not self.sections or self.sections[-1] == 1
        self.sections.append(0)
        self.slide = Slide("slide" if first else "subslide")  # replaced if a <section> opens inside
        self.buffers, self.prefix, self.pending_fragment, self.title_level = [[]], "", False, 0

    def _close_section(self):
        """The end of a <section>: a slide if no <section> was inside it."""
        is_leaf = self.sections.pop() == 0
        if is_leaf and self.slide is not None:
            self._flush()
            self.slides.append(self.slide)
        self.slide = None

    def _close_emphasis(self, marker: str) -> None:
        """`<strong> text </strong>` → ` **text** `: the markers hug the text, as Markdown wants."""
        text = "".join(self.buffers.pop())
        core = " ".join(text.split())
        if core:
            text = f"{' ' if text[:1].isspace() else ''}{marker}{core}{marker}{' ' if text[-1:].isspace() else ''}"
        self.buffers[-1].append(text)

    def _flush(self) -> None:
        """End the current block: its inline text becomes a paragraph (heading, list item…)."""
        while len(self.buffers) > 1:  # an emphasis left open by broken HTML
            self._close_emphasis("")
        text = " ".join("".join(self.buffers[0]).split())
        self.buffers = [[]]
        if text:
            self._add_block(self.prefix + text, list_item=self.prefix.lstrip()[:1] in ("-", *"0123456789"))
            self.prefix = ""

    def _add_block(self, text: str, list_item: bool = False) -> None:
        """Add a Markdown block to the slide's last text part, or start one after a figure."""
        part = self.slide.parts[-1] if self.slide.parts else None
        if part is None or part.image is not None:
            part = self._add_part(Part())
        self.pending_fragment = False
        if list_item and self.last_was_item and part.markdown:
            part.markdown[-1] += "\n" + text  # a tight list: items on consecutive lines
        else:
            part.markdown.append(text)
        self.last_was_item = list_item

    def _add_part(self, part: Part) -> Part:
        """Start a new part; it is a fragment if a fragment opened since the last content."""
        part.fragment, self.pending_fragment = self.pending_fragment, False
        self.slide.parts.append(part)
        self.last_was_item = False
        return part


def portable_math(latex: str) -> str:
    r"""`\textcolor{c}{x}` as `{\color{c}{x}}`: the same in KaTeX and MathJax 3, and MathJax 2 knows it."""
    start = latex.find("\\textcolor{")
    color_end = latex.find("}", start) + 1
    body_end = _group_end(latex, color_end) if start >= 0 else None
    if body_end is None:
        return latex
    color, body = latex[start + len("\\textcolor"):color_end], latex[color_end:body_end]
    return f"{latex[:start]}{{\\color{color}{portable_math(body)}}}{portable_math(latex[body_end:])}"


def _group_end(latex: str, start: int) -> int | None:
    """Index just after the {…} group opening at `start`; None if there is no whole group."""
    if latex[start:start + 1] != "{":
        return None
    depth, position = 0, start
    while position < len(latex):
        char = latex[position]
        if char == "\\":
            position += 1  # an escaped character, such as \\{, is no brace
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    return None


def markdown_table(rows: list[list[str]]) -> str:
    """Rows of cell texts (the first is the header) as a Markdown table."""
    width = max(len(row) for row in rows)
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * width)
    return "\n".join(lines)
