"""`bdl-demo` (or `python build.py`): the command line.

It reads the flags, stops at once when nothing changed since the last build into the same folder,
and otherwise runs the pipeline (bdl_demo.pipeline), imported only then: a no-op costs Python's
start-up and nothing more. Every mistake a user can fix is one line on stderr and exit code 2.
Paths default to the working folder: deck.toml, templates/, slides/, images/ and .cache/ there.
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

from bdl_demo.errors import UserError  # noqa: E402


class UsageError(UserError):
    """A bad command-line value."""


class Interrupted(BaseException):
    """Ctrl-C as our own exception: PyMC catches KeyboardInterrupt and returns a partial result,
    which must never be cached or shown as if it were a finished fit."""


def _interrupt(signum, frame):
    raise Interrupted()


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr and exit code 2, without the usage block."""

    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return int(text)


def parse_args(argv=None) -> argparse.Namespace:
    parser = Parser(prog="bdl-demo", description="Build the Demystifying Bayesian Deep Learning deck.",
                    allow_abbrev=False)  # an option is spelled out: `--serv` is not `--serve`
    parser.add_argument("--quality", choices=("draft", "final"), default="final",
                        help="inference effort: draft takes seconds a model, final is what the talk shows")
    parser.add_argument("--only", nargs="+", metavar="MODEL",
                        help="build only these models (ids of [models.<id>] sections) and their slides")
    parser.add_argument("--force", action="store_true", help="ignore the cache: refit and redraw everything")
    parser.add_argument("--out", type=Path, default=Path("slides"), help="where the deck goes (default: slides/)")
    parser.add_argument("--config", type=Path, default=Path("deck.toml"), help="settings file (default: deck.toml)")
    parser.add_argument("--images", type=Path, default=Path("images"), help="where figures go (default: images/)")
    parser.add_argument("--templates", type=Path, default=Path("templates"),
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
    loudness.add_argument("-v", "--verbose", action="store_true",
                          help="also print PyMC's and PyTensor's messages and the seconds of each stage")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    previous_handler = signal.signal(signal.SIGINT, _interrupt)
    try:
        args = parse_args(argv)
        build(args)
        if args.serve:
            _serve(args)
    except UserError as error:
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
    """Run the pipeline unless nothing changed since the last build into the same folder; return
    the report, or None for a build that had nothing to do."""
    from bdl_demo.output.folders import check_deck_folder, check_images_folder
    from bdl_demo.output.record import build_flags, record_path, unchanged
    from bdl_demo.results.cache import cache_dir

    started = time.perf_counter()
    log = _logger(args.quiet)
    out = check_deck_folder(args.out, Path.cwd())  # before anything is written: a foreign folder stays as it is
    images = check_images_folder(args.images, Path.cwd())
    record = record_path(cache_dir(), out)
    if not args.force and unchanged(record, build_flags(args, out, images)):
        log(f"nothing changed since the last build: {out} is up to date "
            f"({time.perf_counter() - started:.2f} s)")
        return None
    from bdl_demo.pipeline import build as run_pipeline

    report = run_pipeline(args, out=out, images=images, record=record, log=log)
    if args.verbose:
        stages = report["stage_seconds"].items()
        log("seconds by stage: " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in stages))
    return report


def _serve(args: argparse.Namespace) -> None:
    """Preview the deck; each rebuild runs the command afresh, so edits to bdl_demo's code apply too."""
    from bdl_demo.output.preview import WarmRebuild, serve
    from bdl_demo.output.record import record_path, recorded_inputs
    from bdl_demo.results.cache import cache_dir

    quiet = [] if args.verbose or args.quiet else ["-q"]  # the server reports each rebuild itself
    record = record_path(cache_dir(), Path(args.out).resolve())
    rebuild = WarmRebuild([*quiet, *rebuild_flags(args)])
    signal.signal(signal.SIGINT, signal.default_int_handler)  # the preview stops on Ctrl-C; builds run in children
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
