"""The slides: the talk's Markdown, filled in by Jinja, parsed once into stacks of slides.

The Markdown is CommonMark (markdown-it-py) with tables, math (`$…$`, `$$…$$`, left for KaTeX),
attributes (`{.class}` on the line before a block, `[text]{.class}` inline) and `:::` blocks:

- a line `---` starts the next slide, `--` the next slide below it (a vertical stack);
- a line `--- appendix` starts the appendix: the slides after it come after the talk's last slide,
  reachable but not counted (reveal.js's `data-visibility="uncounted"`);
- the slide's first heading is its title;
- `![caption](figure:<id>)` shows a figure of the build (see bdl_demo.figures.registry);
- `::: notes` … `:::` holds the speaker notes;
- `{.fragment}` before a block shows it one step later; `{.fragments}` before a list, item by item;
- `::: <classes>` … `:::` wraps blocks in a layout (`columns two`, `card`, `together`), and
  `::: twins` holds a point figure and its Bayesian twin ("from this… to this").

The reveal.js deck and the notebook are both made from the list this module returns; nothing
parses HTML back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from bdl_demo.deck.inline import without_links
from bdl_demo.errors import UserError

FIGURE_SCHEME = "figure:"
SLIDE_BREAK, STACK_BREAK, APPENDIX_BREAK = "--", "---", "--- appendix"


class SlideError(UserError):
    """The talk's Markdown asks for something the build cannot show."""


def markdown() -> MarkdownIt:
    """The parser: CommonMark, tables, math, attributes and ::: blocks; raw HTML stays text."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.use(dollarmath_plugin, double_inline=True).use(attrs_block_plugin).use(attrs_plugin, spans=True)
    md.use(container_plugin, name="div", validate=lambda info, markup: bool(info.strip()))
    return md


@dataclass
class Block:
    """One top-level block of a slide (a paragraph, list, equation, layout …) and its Markdown."""

    tokens: list[Token]
    source: str

    @property
    def classes(self) -> list[str]:
        return block_classes(self.tokens[0])

    @property
    def fragment(self) -> bool:
        return "fragment" in self.classes and "fade-out" not in self.classes

    @property
    def figures(self) -> list[str]:
        return figures_in(self.tokens)

    @property
    def layout(self) -> str | None:
        """The first class of a ::: block (twins, together, columns, card…), None for other blocks."""
        return self.classes[0] if self.tokens[0].type == "container_div_open" else None

    def inner(self) -> list[Block]:
        """The blocks inside a ::: block."""
        return split_blocks(self.tokens[1:-1], self.source_lines)

    source_lines: list[str] = field(default_factory=list, repr=False)


@dataclass
class Slide:
    """One slide: its title, its body as blocks, its figures and its speaker notes."""

    title: str
    blocks: list[Block]
    notes: list[Block]
    appendix: bool = False  # after the talk's last slide: shown, not counted

    @property
    def figures(self) -> list[str]:
        return [figure for block in self.blocks for figure in block.figures]

    @property
    def notes_text(self) -> str:
        return "\n\n".join(block.source for block in self.notes)


Stack = list[Slide]  # one horizontal position of the deck; more than one slide: a vertical stack


def parse_talk(text: str, check_figure: Callable[[str], object] = lambda figure_id: None) -> list[Stack]:
    """The talk's Markdown as stacks of slides; `check_figure` raises for a figure the build cannot make."""
    md = markdown()
    stacks = []
    parts = _split(text, APPENDIX_BREAK, keep_blank=True)
    if len(parts) > 2:
        raise SlideError(f'the talk has {len(parts) - 1} "{APPENDIX_BREAK}" lines: keep only the one '
                         "that starts the appendix")
    for appendix, part in enumerate(parts):
        for stack_text in _split(part, STACK_BREAK):
            slides = [parse_slide(md, slide_text, appendix=bool(appendix))
                      for slide_text in _split(stack_text, SLIDE_BREAK)]
            if slides:
                stacks.append(slides)
    for stack in stacks:
        for slide in stack:
            for figure_id in slide.figures:
                try:
                    check_figure(figure_id)
                except UserError as error:
                    raise SlideError(f'slide "{slide.title or "(untitled)"}": {error}') from None
    return stacks


def _split(text: str, separator: str, keep_blank: bool = False) -> list[str]:
    """Text cut at lines that hold only `separator`; parts with nothing but blanks are dropped
    unless `keep_blank`."""
    parts, current = [], []
    for line in text.splitlines():
        if line.strip() == separator:
            parts.append("\n".join(current))
            current = []
        else:
            current.append(line)
    parts.append("\n".join(current))
    return parts if keep_blank else [part for part in parts if part.strip()]


def parse_slide(md: MarkdownIt, text: str, appendix: bool = False) -> Slide:
    """One slide's Markdown as a Slide: title, body blocks and notes blocks."""
    lines = text.splitlines()
    blocks = split_blocks(md.parse(text), lines)
    body = [block for block in blocks if block.layout != "notes"]
    notes = [inner for block in blocks if block.layout == "notes" for inner in block.inner()]
    title = next((block.tokens[1].content for block in body if block.tokens[0].type == "heading_open"), "")
    return Slide(title, body, notes, appendix)


def split_blocks(tokens: list[Token], lines: list[str]) -> list[Block]:
    """Tokens cut into top-level blocks, each with the Markdown lines it came from."""
    blocks, start, depth = [], 0, 0
    for index, token in enumerate(tokens):
        depth += token.nesting
        if depth == 0:
            first = tokens[start]
            source = "\n".join(lines[first.map[0]:first.map[1]]) if first.map else ""
            blocks.append(Block(tokens[start:index + 1], source.strip("\n"), lines))
            start = index + 1
    return blocks


def block_classes(token: Token) -> list[str]:
    """The classes of a block: from {.attributes}, or from the info of a ::: block (its layout
    first), then any {.attributes} on the line before it."""
    given = str(token.attrs.get("class", "")).split()
    return token.info.split() + given if token.type == "container_div_open" else given


def figures_in(tokens: list[Token], interactive: bool = False) -> list[str]:
    """The figure ids that images in these tokens name, in order; with `interactive`, only those
    marked {.interactive}, which the deck puts inline for its scripts."""
    return [child.attrs["src"][len(FIGURE_SCHEME):]
            for token in tokens if token.type == "inline"
            for child in token.children or []
            if figure_id_of(child) and (not interactive or "interactive" in block_classes(child))]


def figure_id_of(token: Token) -> str | None:
    """The figure id of an image token that shows a figure of the build, else None."""
    src = str(token.attrs.get("src", "")) if token.type == "image" else ""
    return src[len(FIGURE_SCHEME):] if src.startswith(FIGURE_SCHEME) else None


def plain_markdown(source: str) -> str:
    """Markdown for readers other than the deck (Jupyter): attribute lists removed."""
    text = without_links(source)  # \htmlData{param=W1}{W_1} → {W_1}
    text = re.sub(r"^\s*\{[^}\n]*\}\s*$\n?", "", text, flags=re.MULTILINE)  # {.fragment} lines
    text = re.sub(r"\[([^\]\n]*)\]\{[^}\n]*\}", r"\1", text)  # [text]{.weight} → text
    return re.sub(r"(\))\{[^}\n]*\}", r"\1", text)  # ![…](…){.fragment} → ![…](…)
