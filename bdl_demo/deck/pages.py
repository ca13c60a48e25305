"""Stage 8, the deck: index.html (reveal.js) and read.html (the reading view) from the one list of
slides, the figures they show, the reveal.js and KaTeX files they load, and lib/bdl/ with the
scripts and data that make figures respond."""
from __future__ import annotations

from pathlib import Path

from bdl_demo.deck.assets import copy_assets, copy_scripts
from bdl_demo.deck.html import copy_figures, render_page
from bdl_demo.deck.inline import DATA_SCRIPT, interactive_data
from bdl_demo.deck.parameters import parameter_data
from bdl_demo.deck.reader import READER, render_reader
from bdl_demo.deck.talk import Talk
from bdl_demo.figures.registry import model_of
from bdl_demo.files import atomic_write
from bdl_demo.model.fit import FittedModel
from bdl_demo.results.cache import Cache
from bdl_demo.results.figures import Figures
from bdl_demo.stages import stage


@stage("deck")
def write_deck(out_dir: Path, talk: Talk, figures: Figures, *, models: dict[str, FittedModel], deck: dict,
               images_dir: Path, node_modules: Path, templates: Path, cache: Cache) -> set[Path]:
    """Write the deck into `out_dir`; return the template files its pages read."""
    compiled = cache.compiled_templates
    page, page_files = render_page(talk.stacks, figures, deck=deck, templates=templates, compiled=compiled)
    reader, reader_files = render_reader(talk.stacks, figures, deck=deck, templates=templates, compiled=compiled)
    copy_figures(figures.manifest, images_dir, out_dir / "images")
    copy_assets(node_modules, out_dir)
    copy_scripts(out_dir)
    shown = {model_of(figure_id) for figure_id in talk.interactive_figures}  # the models a panel describes
    parameters = parameter_data({model_id: model for model_id, model in models.items() if model_id in shown}, cache)
    atomic_write(out_dir / "lib" / "bdl" / DATA_SCRIPT,
                 interactive_data(talk.interactive_figures, figures.manifest, figures.interactions, parameters,
                                  images_dir))
    atomic_write(out_dir / "index.html", page.encode())
    atomic_write(out_dir / READER, reader.encode())
    return page_files | reader_files
