"""Render the slides: Jinja templates (one per section) + fitted models + figures → index.html.

The templates say what each slide shows; this module gives them the models, the figure manifest,
the build report and code listings, and copies into the deck exactly the figures they used.
"""
from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import jinja2
from markupsafe import Markup

from bdl_demo.assets import copy_assets, ensure_assets
from bdl_demo.cache import atomic_write
from bdl_demo.code_listing import highlight, highlight_css, source_of
from bdl_demo.errors import BuildError
from bdl_demo.fit import FittedModel
from bdl_demo.network import BIAS_COLOR, WEIGHT_COLOR

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT_ROOT / "templates"
SKELETON = "deck.html.j2"
MACROS = "macros.html.j2"


class DeckError(BuildError):
    """The deck cannot be rendered; the message is one line, naming the template file and line."""


def render_deck(out_dir: Path, *, deck: dict, models: dict[str, FittedModel], figures: dict[str, dict],
                report: dict, images_dir: Path, node_modules: Path | None = None,
                templates: Path = TEMPLATES) -> None:
    """Write index.html, the figures it shows (into images/) and the reveal.js/KaTeX files it loads."""
    used: list[str] = []
    html = render_html(templates, deck=deck, models=models, figures=figures, report=report, used=used)
    copy_figures(used, figures, images_dir, out_dir / "images")
    copy_assets(node_modules or ensure_assets(PROJECT_ROOT), out_dir)
    atomic_write(out_dir / "index.html", html.encode())


def render_html(templates: Path, *, deck, models, figures, report, used: list[str]) -> str:
    """The whole deck as one HTML page; `used` collects the figure ids it shows, in order."""
    templates = templates.resolve()
    env = _environment(templates)

    def lookup_figure(figure_id: str) -> dict:
        """src and alt of one figure; a figure missing from the manifest is an error."""
        if figure_id not in figures:
            raise DeckError(f"no figure {figure_id!r} in the figure manifest")
        if figure_id not in used:
            used.append(figure_id)
        entry = figures[figure_id]
        return {"src": f"images/{entry['file']}", "alt": entry["alt"],
                "width": entry.get("width"), "height": entry.get("height")}

    def figures_like(prefix: str) -> list[str]:
        """Ids starting with `prefix`, in natural order (layer2 before layer10)."""
        return sorted((f for f in figures if f.startswith(prefix)), key=_natural)

    def listing(module: str, qualname: str) -> Markup:
        return highlight(source_of(module, qualname))

    env.globals.update(lookup_figure=lookup_figure, has_figure=figures.__contains__,
                       figures_like=figures_like, listing=listing,
                       n_parameters=lambda net: sum(math.prod(m.shape) for m in net.matrices()),
                       code_css=Markup(highlight_css(".code")),
                       weight_color=WEIGHT_COLOR, bias_color=BIAS_COLOR,
                       tex_W=rf"\textcolor{{{WEIGHT_COLOR}}}{{W}}", tex_b=rf"\textcolor{{{BIAS_COLOR}}}{{b}}")
    try:
        return env.get_template(SKELETON).render(deck=deck, models=models, report=report,
                                                 fits=report["fits"])
    except jinja2.TemplateSyntaxError as error:
        where = f"{templates.name}/{error.name or error.filename}:{error.lineno}"
        raise DeckError(f"{where}: {error.message}") from None
    except Exception as error:
        where, via = _where(error, templates)
        raise DeckError(f"{where}: {_first_line(error)}{via}") from None


def check_templates(templates: Path) -> None:
    """Compile every template now, so a syntax error stops the build before anything is fitted."""
    if not (templates / SKELETON).is_file():
        raise DeckError(f"no {SKELETON} in {templates}: point --templates at the deck's templates folder")
    env = _environment(templates.resolve())
    for name in env.list_templates(extensions=["j2"]):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            raise DeckError(f"{templates.name}/{name}:{error.lineno}: {error.message}") from None


def _environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(seconds=_seconds, percent=lambda x: f"{100 * x:.1f} %")
    return env


def copy_figures(ids: list[str], figures: dict[str, dict], images_dir: Path, target: Path) -> None:
    """Copy the figure files the deck shows from images_dir; a missing file is an error."""
    target.mkdir(parents=True, exist_ok=True)
    for figure_id in ids:
        source = images_dir / figures[figure_id]["file"]
        if not source.is_file():
            raise DeckError(f"figure {figure_id!r} is in the manifest but {source} is missing")
        shutil.copyfile(source, target / source.name)


def _where(error: Exception, templates: Path) -> tuple[str, str]:
    """templates/<file>:<line> of the innermost section template in the traceback, and the macro line."""
    root = str(templates.resolve())
    places = []  # (file, line) of each template frame, outermost first
    frame = error.__traceback__
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if filename.startswith(root):
            places.append((str(Path(filename).relative_to(root)), frame.tb_lineno))
        frame = frame.tb_next
    if not places:
        return f"{templates.name}/{SKELETON}", ""
    sections = [place for place in places if place[0] != MACROS] or places
    where = f"{templates.name}/{sections[-1][0]}:{sections[-1][1]}"
    return where, "" if places[-1] == sections[-1] else f" (in {places[-1][0]}:{places[-1][1]})"


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _seconds(x: float) -> str:
    """A duration as a speaker would say it: 0.8 s, 14 s, 2 min 5 s."""
    if x < 10:
        return f"{x:.1f} s"
    whole = round(x)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60} s"
