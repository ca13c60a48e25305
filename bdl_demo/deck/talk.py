"""Stage 6, the slides: Markdown templates filled in by Jinja — numbers from the report, figures,
layouts as macros, code listings from the real source — then parsed into the list of slides.

`templates/talk.md` is the outline; each model adds the sections of its kind
(`templates/<kind>/<part>.md`), in the order of deck.toml.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import traceback
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import jinja2
import jinja2.ext

from bdl_demo import numbers, palette
from bdl_demo.deck.listing import source_text
from bdl_demo.deck import words
from bdl_demo.deck.slides import SlideError, Stack, figures_in, parse_talk
from bdl_demo.errors import UserError
from bdl_demo.files import check_input
from bdl_demo.figures.registry import resolve
from bdl_demo.deck import equations
from bdl_demo.model.fit import FittedModel
from bdl_demo.stages import stage

TALK = "talk.md"
_THIS_MODULE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
MACROS = "macros.md"
COLORS = {"weight": palette.WEIGHT_COLOR, "bias": palette.BIAS_COLOR}


class TalkError(UserError):
    """A template cannot be filled in; the message is one line naming the file and line."""


@dataclass
class Talk:
    """The slides of the talk, as stacks, and the template files they were made from."""

    stacks: list[Stack]
    files: set[Path] = field(default_factory=set)

    @property
    def figures(self) -> list[str]:
        """The ids of the figures the slides show, each once, in the order they first appear."""
        return list(dict.fromkeys(f for stack in self.stacks for slide in stack for f in slide.figures))

    @property
    def interactive_figures(self) -> list[str]:
        """The ids of the figures put inline for the deck's scripts, each once."""
        tokens = [token for stack in self.stacks for slide in stack
                  for block in slide.blocks for token in block.tokens]
        return list(dict.fromkeys(figures_in(tokens, interactive=True)))


@stage("slides")
def render_talk(templates: Path, *, deck: dict, models: dict[str, FittedModel], report: dict,
                compiled: Path | None = None) -> Talk:
    """The slides of the talk, in order; a figure the build cannot make is an error.
    `compiled` is where Jinja keeps the templates compiled."""
    templates = Path(templates).resolve()
    read: set[Path] = set()
    env = environment(templates, read, compiled=compiled)

    def figure(figure_id: str) -> str:
        """Check a figure id when a template asks for it, so an error names the template line."""
        resolve(figure_id, models, deck)
        return figure_id

    def section(model: FittedModel, part: str) -> str | None:
        """The template of one part of the talk for a model of this kind, if its kind has one."""
        name = f"{model.kind}/{part}.md"
        return name if (templates / name).is_file() else None

    env.globals.update(
        figure=figure, section=section, listing=source_text,
        latex=partial(equations.equation, colors=COLORS), loss_latex=partial(equations.loss_latex, colors=COLORS),
        update_latex=partial(equations.update_latex, colors=COLORS),
        backprop_latex=partial(equations.backprop_latex, colors=COLORS),
        n_units=lambda net: sum(net.widths),
        n_weights=lambda net: sum(math.prod(m.shape) for m in net.matrices() if m.kind == "weight"),
        tex_W=rf"{{\color{{{palette.WEIGHT_COLOR}}}{{W}}}}", tex_b=rf"{{\color{{{palette.BIAS_COLOR}}}{{b}}}}")
    try:
        text = env.get_template(TALK).render(deck=deck, models=models, report=report, fits=report["fits"])
    except jinja2.TemplateSyntaxError as error:
        raise TalkError(f"{templates.name}/{error.name or error.filename}:{error.lineno}: {error.message}") from None
    except Exception as error:  # a UserError's message is written for the reader; another's first line
        where, via = _where(error, templates)
        raise TalkError(f"{where}: {error if isinstance(error, UserError) else _first_line(error)}{via}") from None
    try:
        return Talk(parse_talk(text, check_figure=figure), read)
    except SlideError as error:
        raise TalkError(f"{templates.name}/{TALK}: {error}") from None


@stage("settings")
def check_templates(templates: Path, compiled: Path | None = None) -> None:
    """Compile every template now, so a syntax error stops the build before anything is fitted:
    the Markdown ones as Markdown, the pages (.html) with HTML escaping, as they are used."""
    if not (Path(templates) / TALK).is_file():
        raise TalkError(f"no {TALK} in {templates}: point --templates at the deck's templates folder")
    for extension, autoescape in (("md", False), ("html", True)):
        env = environment(Path(templates).resolve(), autoescape=autoescape, compiled=compiled)
        for name in env.list_templates(extensions=[extension]):
            try:
                env.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                raise TalkError(f"{Path(templates).name}/{name}:{error.lineno}: {error.message}") from None


class FigureLinks(jinja2.ext.Extension):
    """`![caption](figure:<id>)` written in a template asks for its figure while the template
    renders, as the img() macro does: a figure the build cannot make then names the file and line
    that asked for it."""

    LINK = re.compile(r"\]\(figure:([A-Za-z0-9_][A-Za-z0-9_-]*)\)")

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return self.LINK.sub(r'](figure:{{ figure("\1") }})', source)


class RecordingLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, noting every template file it reads (the preview watches those)."""

    def __init__(self, folder: Path, read: set[Path] | None):
        super().__init__(folder)
        self.read = read if read is not None else set()

    def get_source(self, environment, template):
        candidate = Path(self.searchpath[0], *template.split("/"))
        if os.path.lexists(candidate):  # Jinja reads it whole: a template's size, not a device or a pipe
            check_input(candidate, "template", "a template is a Markdown or HTML file")
        source, filename, uptodate = super().get_source(environment, template)
        self.read.add(Path(filename))
        return source, filename, uptodate


def environment(templates: Path, read: set[Path] | None = None, autoescape: bool = False,
                compiled: Path | None = None) -> jinja2.Environment:
    """Jinja for Markdown (no HTML escaping: markdown-it leaves raw HTML as text) or, with
    `autoescape`, for the HTML pages; undefined names are errors, blocks leave no blank lines.
    `compiled` keeps compiled templates for the next build, a folder per kind and version of this
    module: compiled code carries its escaping, and a page compiled without it must never be loaded."""
    if compiled:
        compiled = Path(compiled) / f"{'html' if autoescape else 'markdown'}-{_THIS_MODULE}"
        compiled.mkdir(parents=True, exist_ok=True)
    cache = jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None
    env = jinja2.Environment(loader=RecordingLoader(templates, read), autoescape=autoescape,
                             bytecode_cache=cache, extensions=[] if autoescape else [FigureLinks],
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(seconds=seconds, percent=lambda x: f"{100 * x:.1f} %", in_words=in_words,
                       bayesian=bayesian, extract=lambda key, container: container[key],
                       the=words.the, flagging=words.flagging, moves=words.moves, sig=numbers.significant)
    env.globals.update(best_at_flagging=words.best_at_flagging, compared=words.compared, tau_choice=numbers.tau_choice,
                       flag_scores=lambda metrics, keys, name: {
                           key: metrics[key]["ood_auroc"][name]["mutual_information"] for key in keys})
    return env


def in_words(n: int) -> str:
    """Small counts as a speaker says them: one, two, … ten; larger ones as digits."""
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if 0 <= n < len(words) else str(n)


def bayesian(title: str) -> str:
    """The title of a model's Bayesian twin: "A deep net" → "A Bayesian deep net",
    "Linear regression" → "Bayesian linear regression"."""
    if title.startswith(("A ", "An ")):
        return "A Bayesian " + title.split(" ", 1)[1]
    return f"Bayesian {title[:1].lower()}{title[1:]}"


def seconds(x: float) -> str:
    """A duration as a speaker would say it: 0.8 s, 14 s, 2 min 5 s."""
    if x < 10:
        return f"{x:.1f} s"
    whole = round(x)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60} s"


def _where(error: Exception, templates: Path) -> tuple[str, str]:
    """templates/<file>:<line> of the innermost section template in the traceback, and the macro line."""
    root = str(templates.resolve())
    frames = [(frame.f_code.co_filename, line) for frame, line in traceback.walk_tb(error.__traceback__)]
    places = [(str(Path(name).relative_to(root)), line)  # of each template frame, outermost first
              for name, line in frames if name.startswith(root)]
    if not places:
        return f"{templates.name}/{TALK}", ""
    sections = [place for place in places if place[0] != MACROS] or places
    where = f"{templates.name}/{sections[-1][0]}:{sections[-1][1]}"
    return where, "" if places[-1] == sections[-1] else f" (in {places[-1][0]}:{places[-1][1]})"


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
