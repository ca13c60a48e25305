"""Stage 9, the exports: the notebook, the one-file deck and the PDF, each made from the new deck
before it takes the old one's place."""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Callable

from bdl_demo.deck.talk import Talk
from bdl_demo.model.fit import FittedModel
from bdl_demo.stages import stage


@stage("exports")
def write_exports(staging: Path, out: Path, talk: Talk, *, models: dict[str, FittedModel],
                  manifest: dict[str, dict], images_dir: Path, cache: Path, flags: argparse.Namespace,
                  log: Callable[[str], None]) -> None:
    """Write the exports the flags ask for into `staging`, the deck that will become `out` (a PDF
    error names `out`, not the staging folder that is then gone)."""
    if flags.notebook:
        from bdl_demo.export.notebook import write_notebook

        write_notebook(staging / "deck.ipynb", talk.stacks, models=models, figures=manifest,
                       images_dir=images_dir, quality=flags.quality, config=flags.config, cache=cache,
                       deck_dir=out)
        log("notebook: deck.ipynb")
    if flags.single_file:
        from bdl_demo.export.standalone import write_standalone

        size = write_standalone(staging, staging / "deck-standalone.html")
        log(f"single file: deck-standalone.html ({size / 1e6:.1f} MB)")
    if flags.pdf or flags.pdf_notes:
        from bdl_demo.export.pdf import PdfError, export_pdf

        started = time.perf_counter()
        try:
            pages = export_pdf(staging, staging / "deck.pdf", notes=flags.pdf_notes)
        except PdfError as error:
            message = str(error).replace(staging.as_uri(), out.as_uri()).replace(str(staging), str(out))
            raise PdfError(f"{message} (in the deck this build makes without --pdf)") from None
        log(f"pdf: deck.pdf, {pages} pages ({time.perf_counter() - started:.1f} s)")
