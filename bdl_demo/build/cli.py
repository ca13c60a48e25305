"""`python build.py` / `bdl-demo`: fit the models, draw the figures, write the deck.

The pipeline reads top to bottom in `build`. The deck is written into a temporary folder and
swapped in at the end, so a failed or interrupted build leaves the previous deck as it was.
"""
from __future__ import annotations

import os

# Fits run one BLAS thread each: on 2 cores, oversubscription made ADVI five times slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from bdl_demo.errors import BuildError  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent.parent


class UsageError(BuildError):
    """A bad command-line value."""


class Interrupted(BaseException):
    """Ctrl-C as our own exception: PyMC catches KeyboardInterrupt and returns a partial result,
    which must never be cached or shown as if it were a finished fit."""


def _interrupt(signum, frame):
    raise Interrupted()


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr and exit code 2, without the usage block,
    and an option must be spelled out (no abbreviations: `--serv` is not `--serve`)."""

    def __init__(self, **kwargs):
        super().__init__(allow_abbrev=False, **kwargs)

    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return int(text)


def parse_args(argv=None) -> argparse.Namespace:
    parser = Parser(prog="build.py", description="Build the Demystifying Bayesian Deep Learning deck.")
    parser.add_argument("--quality", choices=("draft", "final"), default="final",
                        help="inference effort: draft takes seconds a model, final is what the talk shows")
    parser.add_argument("--only", nargs="+", metavar="MODEL",
                        help="build only these models (ids of [models.<id>] sections) and their slides")
    parser.add_argument("--force", action="store_true", help="ignore the cache: refit and redraw everything")
    parser.add_argument("--out", type=Path, default=PROJECT / "slides", help="where the deck goes (default: slides/)")
    parser.add_argument("--config", type=Path, default=PROJECT / "deck.toml", help="settings file (default: deck.toml)")
    parser.add_argument("--images", type=Path, default=PROJECT / "images", help="where figures go (default: images/)")
    parser.add_argument("--templates", type=Path, default=PROJECT / "templates",
                        help="folder of the slide templates, Markdown + Jinja (default: templates/)")
    parser.add_argument("--pdf", action="store_true",
                        help="also print the deck to slides/deck.pdf, one page per slide (needs chromium)")
    parser.add_argument("--pdf-notes", action="store_true",
                        help="like --pdf, with each slide's speaker notes under it")
    parser.add_argument("--single-file", action="store_true",
                        help="also write slides/deck-standalone.html, one file that works offline on its own")
    parser.add_argument("--notebook", action="store_true",
                        help="also write slides/deck.ipynb: each slide as Markdown, each figure as the code that draws it")
    parser.add_argument("--serve", action="store_true",
                        help="after building, preview on http://127.0.0.1:PORT/ and rebuild + reload on every edit")
    parser.add_argument("--port", type=_port, default=8000, help="port for --serve (default 8000; 0 picks a free one)")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    loudness.add_argument("-v", "--verbose", action="store_true", help="also print PyMC's and PyTensor's messages")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    previous_handler = signal.signal(signal.SIGINT, _interrupt)
    try:
        args = parse_args(argv)
        build(args)
        if args.serve:
            _serve(args)
    except BuildError as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return 2
    except OSError as error:  # the disk or the system said no: a read-only folder, a full disk, …
        where = f" {error.filename}" if error.filename else ""
        print(printable(f"error: cannot use{where}: {error.strerror or error}; the previous deck is "
                        "untouched"), file=sys.stderr)
        return 2
    except (Interrupted, KeyboardInterrupt):
        print("interrupted: the previous deck is untouched", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    return 0


def printable(text: str) -> str:
    """One line whatever the user typed: control characters (a newline in a flag) shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def build(args: argparse.Namespace) -> dict | None:
    """The pipeline: settings → fits → slides → figures → deck and report, swapped in at the end.

    Returns the report, or None when nothing changed since the last build into the same folder.
    """
    from bdl_demo.build.cache import cache_dir
    from bdl_demo.build.inputs import record_path, unchanged
    from bdl_demo.build.outputs import check_deck_folder, check_images_folder

    started = time.perf_counter()
    log = _logger(args.quiet)
    out = check_deck_folder(args.out, PROJECT)  # before anything is written: a foreign folder stays as it is
    images = check_images_folder(args.images, PROJECT)
    record = record_path(cache_dir(), out)
    flags = _flags(args, out, images)
    if not args.force and unchanged(record, flags):
        log(f"nothing changed since the last build: {out} is up to date "
            f"({time.perf_counter() - started:.2f} s)")
        return None
    return _build(args, out, images, record, flags, started, log)


def _flags(args: argparse.Namespace, out: Path, images: Path) -> dict:
    """What decides a build's result besides its input files: the same flags, the same deck."""
    from bdl_demo.build.cache import cache_dir
    from bdl_demo.files import resolved

    return {"quality": args.quality, "only": args.only, "out": str(out), "images": str(images),
            "config": str(resolved(args.config, "--config")), "templates": str(resolved(args.templates, "--templates")),
            "exports": [args.pdf, args.pdf_notes, args.single_file, args.notebook],
            "cache": str(resolved(cache_dir(), "BDL_DEMO_CACHE"))}


def _build(args, out: Path, images: Path, record: Path, flags: dict, started: float, log) -> dict:
    from bdl_demo.build.cache import Cache
    from bdl_demo.build.outputs import build_lock
    from bdl_demo.build.settings import load_settings
    from bdl_demo.deck.assets import ensure_assets
    from bdl_demo.deck.talk import check_templates

    settings = load_settings(args.config)
    model_ids = _chosen_models(args, settings)
    cache = Cache(log=log)
    check_templates(args.templates, compiled=cache.root / "templates")
    node_modules = ensure_assets(PROJECT, log)  # before fitting: a missing npm should not wait for it
    with build_lock(cache.root, log):
        report, inputs = _build_locked(args, settings, model_ids, cache, out, images, node_modules,
                                       started, log)
        _record(record, flags, inputs, out, images, report)
    return report


def _chosen_models(args: argparse.Namespace, settings) -> list[str]:
    """The models to build: all of deck.toml in its order, or those --only names."""
    if not args.only:
        return list(settings.models)
    for model_id in args.only:
        if model_id not in settings.models:
            known = ", ".join(settings.models) or "none"
            raise UsageError(f"--only {model_id}: {args.config} has no [models.{model_id}] "
                             f"(its models: {known})")
    return [model_id for model_id in settings.models if model_id in args.only]


def _build_locked(args, settings, model_ids, cache, out, images, node_modules, started, log):
    """Fits, slides, figures, deck: one build at a time per project. Returns the report and the
    template files the build read."""
    from bdl_demo.build.drawing import draw_figures
    from bdl_demo.build.fitting import fit_all
    from bdl_demo.build.outputs import staged_deck
    from bdl_demo.build.report import build_report, write_report
    from bdl_demo.deck.html import write_deck
    from bdl_demo.deck.reader import write_reader
    from bdl_demo.deck.talk import render_talk

    models = fit_all(settings, args.quality, model_ids, cache, force=args.force,
                     progressbar=not args.quiet and sys.stderr.isatty(), verbose=args.verbose, log=log)
    report, read = build_report(models), set()
    compiled = cache.root / "templates"  # Jinja's compiled templates
    stacks = render_talk(args.templates, deck=settings.deck, models=models, report=report, read=read,
                         compiled=compiled)
    slides = [slide for stack in stacks for slide in stack]
    figure_ids = list(dict.fromkeys(f for slide in slides for f in slide.figures))
    # A model with a figure inline gets the data its scripts show about each parameter.
    figure_ids += list(dict.fromkeys(f"{f.split('-')[0]}-parameters" for slide in slides
                                     for f in slide.interactive_figures))
    report["figures"] = draw_figures(figure_ids, models, images, cache, force=args.force,
                                     others=set(settings.models) - set(model_ids), deck=settings.deck,
                                     log=log)
    with staged_deck(out) as staging:
        write_deck(staging, stacks, manifest=report["figures"], deck=settings.deck, images_dir=images,
                   node_modules=node_modules, templates=args.templates, read=read, compiled=compiled)
        write_reader(staging, stacks, manifest=report["figures"], deck=settings.deck, templates=args.templates,
                     read=read, compiled=compiled)
        _extras(args, staging, stacks, models, report["figures"], images, log)
        report["seconds_total"] = round(time.perf_counter() - started, 3)
        write_report(report, staging / "report.json")
    log(f"deck: {out} ({report['seconds_total']:.1f} s in all)")
    data_files = [Path(m.data_path).expanduser() for m in settings.models.values() if m.data_path]
    return report, [Path(args.config).resolve(), *read, *data_files]


def _record(record: Path, flags: dict, read: list[Path], out: Path, images: Path, report: dict) -> None:
    """Note what the build read and wrote, for the next build's no-op check and for the preview."""
    from bdl_demo.build.inputs import files_under, source_files, write_record

    assets = [PROJECT / "package.json", PROJECT / "package-lock.json",
              *(PROJECT / "node_modules" / name / "package.json" for name in ("reveal.js", "katex"))]
    figures = [images / entry["file"] for entry in report["figures"].values()]
    write_record(record, flags=flags, inputs=[*read, *source_files(), *assets],
                 outputs=[*files_under(out), *figures])


def _extras(args: argparse.Namespace, staging: Path, stacks, models, figures, images, log) -> None:
    """The notebook, the one-file deck and the PDF, made from the new deck before it is swapped in
    (a PDF error names where the deck will be, not the staging folder that is then gone)."""
    if args.notebook:
        from bdl_demo.export.notebook import write_notebook

        write_notebook(staging / "deck.ipynb", stacks, models=models, figures=figures,
                       images_dir=images, quality=args.quality, config=args.config)
        log("notebook: deck.ipynb")
    if args.single_file:
        from bdl_demo.export.standalone import write_standalone

        size = write_standalone(staging, staging / "deck-standalone.html")
        log(f"single file: deck-standalone.html ({size / 1e6:.1f} MB)")
    if args.pdf or args.pdf_notes:
        from bdl_demo.export.pdf import PdfError, export_pdf

        started = time.perf_counter()
        try:
            pages = export_pdf(staging, staging / "deck.pdf", notes=args.pdf_notes)
        except PdfError as error:
            out = Path(args.out).resolve()
            message = str(error).replace(staging.as_uri(), out.as_uri()).replace(str(staging), str(out))
            raise PdfError(f"{message} (in the deck this build makes without --pdf)") from None
        log(f"pdf: deck.pdf, {pages} pages ({time.perf_counter() - started:.1f} s)")


def _serve(args: argparse.Namespace) -> None:
    """Preview the deck; each rebuild runs build.py afresh, so edits to bdl_demo's code apply too."""
    from bdl_demo.build.serve import WarmRebuild, serve

    from bdl_demo.build.cache import cache_dir
    from bdl_demo.build.inputs import record_path, recorded_inputs

    quiet = [] if args.verbose or args.quiet else ["-q"]  # the server reports each rebuild itself
    command = [sys.executable, str(PROJECT / "build.py"), *quiet, *rebuild_flags(args)]
    record = record_path(cache_dir(), Path(args.out).resolve())
    rebuild = WarmRebuild(command)
    try:
        serve(rebuild, args.out, lambda: recorded_inputs(record), port=args.port, log=_logger(False))
    finally:
        rebuild.close()


def rebuild_flags(args: argparse.Namespace) -> list[str]:
    """The flags of this build, spelled out again without --serve and --port: what a rebuild runs."""
    flags = ["--quality", args.quality, "--out", str(args.out), "--images", str(args.images),
             "--config", str(args.config), "--templates", str(args.templates)]
    if args.only:
        flags += ["--only", *args.only]
    for name in ("pdf", "pdf_notes", "single_file", "notebook", "verbose"):  # --force: the first build only
        if getattr(args, name):
            flags.append("--" + name.replace("_", "-"))
    return flags


def _logger(quiet: bool):
    def log(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)
    return log


if __name__ == "__main__":
    sys.exit(main())
