"""The reveal.js page: the list of slides as the HTML of index.html.

Markdown blocks are rendered by markdown-it-py with a few rules of our own: a figure becomes an
<img> of the build's SVG with its alt text and size (an {.interactive} one inside the element
its scripts work on, with its controls), math is left as \\(…\\) and \\[…\\] for KaTeX, code is
highlighted by Pygments now, and the ::: layouts become the deck's grid classes.
"""
from __future__ import annotations

import html
from pathlib import Path

from markupsafe import Markup

from bdl_demo import palette
from bdl_demo.deck.assets import SCRIPTS
from bdl_demo.deck.inline import DATA_SCRIPT
from bdl_demo.deck.listing import highlight, highlight_css
from bdl_demo.deck.slides import Block, Slide, Stack, block_classes, figure_id_of, markdown
from bdl_demo.deck.talk import environment
from bdl_demo.errors import UserError
from bdl_demo.files import copy_file
from bdl_demo.results.figures import Figures

PAGE = "page.html"
WIDE = 1.5  # a figure wider than 1.5 × its height: its twin takes its place instead of its side
TWIN_CAPTIONS = ("from this…", "…to this")


class DeckError(UserError):
    """The deck cannot be written; the message is one line."""


def render_page(stacks: list[Stack], figures: Figures, *, deck: dict, templates: Path,
                compiled: Path | None = None) -> tuple[str, set[Path]]:
    """The whole deck as one HTML page, the page template around the rendered slides; and the
    template files it read."""
    renderer = SlideRenderer(figures)
    sections = "\n".join(renderer.stack(stack) for stack in stacks)
    return fill_page(PAGE, sections, deck=deck, templates=templates, compiled=compiled)


def fill_page(name: str, slides: str, *, deck: dict, templates: Path,
              compiled: Path | None) -> tuple[str, set[Path]]:
    """A page template (the deck's or the reading view's) around its rendered slides, with the
    scripts, code colours and palette colours both pages use; and the template files it read."""
    read: set[Path] = set()
    env = environment(Path(templates).resolve(), read, autoescape=True, compiled=compiled)
    page = env.get_template(name).render(
        deck=deck, slides=Markup(slides), code_css=Markup(highlight_css(".code")), scripts=(DATA_SCRIPT, *SCRIPTS),
        weight_color=palette.WEIGHT_COLOR, bias_color=palette.BIAS_COLOR, model_color=palette.MODEL_COLOR,
        link_color=palette.LINK_COLOR, link_fill=palette.LINK_FILL, focus_color=palette.FOCUS_COLOR)
    return page, read


def copy_figures(manifest: dict[str, dict], images_dir: Path, target: Path) -> None:
    """Copy the figure files the deck shows from images_dir; a missing file is an error."""
    target.mkdir(parents=True, exist_ok=True)
    for figure_id, entry in manifest.items():
        source = images_dir / entry["file"]
        if not source.is_file():
            raise DeckError(f"figure {figure_id!r} is in the manifest but {source} is missing")
        copy_file(source, target / source.name)


def controls(interaction: dict) -> str:
    """The buttons and slider of a figure that has them; hidden until its script takes over."""
    kind = interaction.get("kind")
    if kind == "player":
        count = len(interaction["paths"])
        return ('<div class="bdl-controls" hidden>'
                '<button type="button" data-role="play" aria-pressed="false">play</button>'
                f'<input type="range" data-role="draw" min="0" max="{count - 1}" value="0" step="1"'
                ' aria-label="posterior draw">'
                '<label><input type="checkbox" data-role="accumulate"> keep earlier draws</label>'
                f'<output data-role="label">draw 1 of {count}</output></div>')
    if kind == "explore":
        presets = "".join(f'<button type="button" data-role="preset" data-n="{n}">{n} points</button>'
                          for n in interaction["presets"])
        return ('<div class="bdl-controls" hidden>'
                f'{presets}<button type="button" data-role="reset">reset</button>'
                '<output data-role="label"></output></div>')
    if kind == "playground":
        return playground_controls(interaction)
    return ""


def playground_controls(interaction: dict) -> str:
    """The playground's controls: training, the class a click adds, the data, the net and its
    prior. lib/bdl/playground.js sets their values from the page's URL or the build."""
    names = [html.escape(str(name)) for name in interaction["class_names"]]
    classes = "".join(f'<label><input type="radio" data-role="class" value="{k}"{" checked" if k else ""}> {name}</label>'
                      for k, name in enumerate(names))
    widths = "".join(f'<input type="number" data-role="width" data-layer="{k}" min="1" max="16" step="1"'
                     f' aria-label="units in hidden layer {k + 1}">' for k in range(3))
    layers = "".join(f"<option>{n}</option>" for n in range(4))
    return ('<div class="bdl-controls bdl-playground" hidden>'
            '<div class="row"><button type="button" data-role="train" aria-pressed="true">pause</button>'
            '<button type="button" data-role="restart">restart</button>'
            '<output data-role="label"></output></div>'
            f'<div class="row" role="group" aria-label="a click adds a point of">add {classes}</div>'
            '<div class="row" role="group" aria-label="data"><button type="button" data-role="data" data-set="deck">moons'
            '</button><button type="button" data-role="data" data-set="far">+ far cluster</button>'
            '<button type="button" data-role="data" data-set="empty">empty</button></div>'
            f'<div class="row"><label>layers <select data-role="layers">{layers}</select></label> {widths}</div>'
            '<div class="row"><label><select data-role="activation"><option>relu</option><option>tanh</option></select>'
            '</label><label>prior sd <input type="number" data-role="prior" min="0.1" max="10" step="0.1"></label></div>'
            '<div class="row"><label>noise <input type="range" data-role="noise" min="0" max="0.5" step="0.05"></label>'
            '<label>seed <input type="number" data-role="seed" min="0" max="99999" step="1"></label></div>'
            '</div>')


class SlideRenderer:
    """Slides to <section>s: markdown-it's HTML renderer with the deck's own rules."""

    def __init__(self, figures: Figures, reading: bool = False):
        self.manifest, self.interactions = figures.manifest, figures.interactions
        self.reading = reading  # for the reading view: twins one above the other, nothing hidden
        self.md = markdown()
        for name in ("image", "paragraph_open", "paragraph_close", "math_inline", "math_inline_double",
                     "math_block", "fence", "container_div_open", "list_item_open"):
            self.md.renderer.rules[name] = getattr(self, "_" + name)  # called as rule(tokens, index, options, env)
        if reading:  # a table wider than a phone's column scrolls in its own box (tables.js says so)
            self.md.renderer.rules["table_open"] = self._table_open
            self.md.renderer.rules["table_close"] = self._table_close

    def stack(self, stack: Stack) -> str:
        slides = "\n".join(self.slide(slide) for slide in stack)
        return f"<section>\n{slides}\n</section>" if len(stack) > 1 else slides

    def slide(self, slide: Slide) -> str:
        body, notes = self.blocks(slide.blocks), self.blocks(slide.notes)
        aside = f'<aside class="notes">\n{notes}</aside>\n' if notes else ""
        uncounted = ' data-visibility="uncounted"' if slide.appendix else ""
        return f"<section{uncounted}>\n{body}{aside}</section>"

    def blocks(self, blocks: list[Block]) -> str:
        tokens = [token for block in blocks for token in self._laid_out(block)]
        return self.md.renderer.render(tokens, self.md.options, {})

    # --- layouts that depend on the figures ---------------------------------------------------

    def _laid_out(self, block: Block) -> list:
        """The block's tokens; twins become two columns, or take one place if their figures are wide.
        Changed tokens are copies: the notebook reads the slide's own too."""
        if block.layout != "twins":
            return block.tokens
        tokens = list(block.tokens)
        figures = [(index, image) for index in range(len(tokens))
                   if (image := _only_image(tokens[index:index + 2]))]
        entry = self.manifest.get(figure_id_of(figures[0][1]), {}) if figures else {}
        wide = entry.get("width", 0) > WIDE * entry.get("height", 1) and not self.reading
        tokens[0] = _copy(tokens[0], info="twins-read" if self.reading else "r-stack" if wide else "columns two")
        for number, (index, image) in enumerate(figures[:2]):
            paragraph = _copy(tokens[index], meta={"caption_first": True})
            if wide:  # the twin replaces the figure in the same place
                paragraph.attrs = {"class": "fragment fade-out" if number == 0 else "fragment",
                                   "data-fragment-index": "0"}
            inline = tokens[index + 1]
            if not image.content:
                inline = _copy(inline)
                inline.children = [_copy(child, content=TWIN_CAPTIONS[number]) if child is image else child
                                   for child in inline.children]
            tokens[index], tokens[index + 1] = paragraph, inline
        return tokens

    # --- rules ---------------------------------------------------------------------------------

    def _image(self, tokens, index, options, env) -> str:
        token = tokens[index]
        figure_id = figure_id_of(token)
        if figure_id is None:
            return self.md.renderer.image(tokens, index, options, env)
        entry, classes = self.manifest[figure_id], block_classes(token)
        if "interactive" in classes:
            return self._inline(figure_id, entry)
        lone = _lone_figure(tokens) is not None  # then its classes go on the <figure> around it
        return _img(entry, ["figure", *([] if lone else classes)])

    def _paragraph_open(self, tokens, index, options, env) -> str:
        image = _only_image(tokens[index:index + 3])
        if image is None:
            return self.md.renderer.renderToken(tokens, index, options, env)
        classes = [*block_classes(tokens[index]), *block_classes(image)]
        attributes = {**tokens[index].attrs, "class": " ".join(classes)}
        caption = self._caption(image) if tokens[index].meta.get("caption_first") else ""
        return f"<figure{_attributes(attributes)}>{caption}"

    def _paragraph_close(self, tokens, index, options, env) -> str:
        image = _only_image(tokens[index - 2:index + 1])
        if image is None:
            return self.md.renderer.renderToken(tokens, index, options, env)
        caption = "" if tokens[index - 2].meta.get("caption_first") else self._caption(image)
        return f"{caption}</figure>\n"

    def _inline(self, figure_id: str, entry: dict) -> str:
        """A figure that responds: the static figure, which lib/bdl/common.js replaces by the SVG
        itself (in lib/bdl/data.js), with the controls its scripts need."""
        model, view = (figure_id.split("-") + [""])[:2]
        estimate = next((e for e in ("posterior", "point", "uncertainty") if e in figure_id.split("-")[2:]), "")
        interaction = self.interactions.get(figure_id) or {}
        return (f'<div class="interactive" data-figure="{figure_id}" data-model="{model}" data-view="{view}"'
                f' data-estimate="{estimate}" data-kind="{interaction.get("kind", "")}">'
                f"{_img(entry, ['figure'])}{controls(interaction)}</div>")

    @staticmethod
    def _caption(image) -> str:
        return f"<figcaption>{html.escape(image.content)}</figcaption>" if image.content else ""

    def _math_inline(self, tokens, index, options, env) -> str:
        return f"\\({html.escape(tokens[index].content)}\\)"

    def _math_inline_double(self, tokens, index, options, env) -> str:
        return f"\\[{html.escape(tokens[index].content)}\\]"

    def _math_block(self, tokens, index, options, env) -> str:
        token = tokens[index]
        math = f"\\[{html.escape(' '.join(token.content.split()))}\\]"
        caption = token.attrs.get("caption")
        if caption:
            return (f'<figure class="{" ".join(block_classes(token))}"><div class="math">{math}</div>'
                    f"<figcaption>{html.escape(str(caption))}</figcaption></figure>\n")
        return f'<div class="{" ".join(["math", *block_classes(token)])}">{math}</div>\n'

    def _table_open(self, tokens, index, options, env) -> str:
        return ('<div class="table-scroll" tabindex="0" role="region" aria-label="table">'
                + self.md.renderer.renderToken(tokens, index, options, env))

    def _table_close(self, tokens, index, options, env) -> str:
        return self.md.renderer.renderToken(tokens, index, options, env) + "</div>\n"

    def _fence(self, tokens, index, options, env) -> str:
        return f'<pre class="code"><code>{highlight(tokens[index].content.rstrip())}</code></pre>\n'

    def _container_div_open(self, tokens, index, options, env) -> str:
        token = tokens[index]
        more = "".join(f' {html.escape(str(key))}="{html.escape(str(value))}"'
                       for key, value in token.attrs.items() if key != "class")  # e.g. data-fragment-index
        return f'<div class="{html.escape(" ".join(block_classes(token)))}"{more}>\n'

    def _list_item_open(self, tokens, index, options, env) -> str:
        """An item of a {.fragments} list appears one step after the one before; with
        {.fragments from="n"} the items take the fragment indices n, n + 1, … (to step with others)."""
        depth, items = 0, 0
        for token in reversed(tokens[:index]):  # back to the list this item belongs to, counting the items before it
            depth += token.nesting
            if depth == 0 and token.type == "list_item_open":
                items += 1
            if depth > 0 and token.type in ("bullet_list_open", "ordered_list_open"):
                if "fragments" not in block_classes(token):
                    break
                start = token.attrs.get("from")
                number = f' data-fragment-index="{int(start) + items}"' if start is not None else ""
                return f'<li class="fragment"{number}>'
        return self.md.renderer.renderToken(tokens, index, options, env)


def _img(entry: dict, classes: list[str]) -> str:
    """The static <img> of a figure of the build, at the size it was drawn if known."""
    size = f' width="{entry["width"]}" height="{entry["height"]}"' if entry.get("width") else ""
    return (f'<img class="{" ".join(classes)}" src="images/{html.escape(entry["file"])}" '
            f'alt="{html.escape(entry["alt"])}"{size}>')


def _only_image(tokens):
    """The image of a paragraph that holds a single figure of the build and nothing else, else None."""
    if len(tokens) < 2 or tokens[0].type != "paragraph_open" or tokens[1].type != "inline":
        return None
    return _lone_figure(tokens[1].children or [])


def _lone_figure(children):
    """The image when an inline's children are a single figure of the build and nothing else, else None."""
    shown = [c for c in children if not (c.type == "text" and not c.content.strip()) and c.type != "softbreak"]
    return shown[0] if len(shown) == 1 and figure_id_of(shown[0]) else None


def _copy(token, **changes):
    """A copy of a token with some fields changed (attrs and meta copied too, not shared)."""
    return token.copy(**{"attrs": dict(token.attrs), "meta": dict(token.meta), **changes})


def _attributes(attributes: dict) -> str:
    """ key="value" pairs for an HTML tag; empty values are left out."""
    return "".join(f' {name}="{html.escape(str(value))}"' for name, value in attributes.items() if value)
