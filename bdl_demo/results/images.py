"""The images folder: the figure files the build wrote there, recorded beside them, so that only
those are ever overwritten or removed — any other file in the folder is the user's."""
from __future__ import annotations

import json
from pathlib import Path

from bdl_demo.errors import UserError
from bdl_demo.files import atomic_write

IMAGES_MANIFEST = ".bdl-demo-images.json"


class ImagesError(UserError):
    """A figure would be drawn over a file the build did not write."""


def check_figure_names(images: Path, names: list[str]) -> None:
    """Refuse, before anything is drawn, to write a figure over a file the build did not write."""
    ours = set(figures_written_before(images))
    theirs = [name for name in names if name not in ours and (images / name).exists()]
    if theirs:
        named = ", ".join(theirs[:3]) + (f" and {len(theirs) - 3} more" if len(theirs) > 3 else "")
        which = "which bdl_demo did not write" if len(theirs) == 1 else "files bdl_demo did not write"
        raise ImagesError(f"--images {images} holds {named}, {which} and would draw figures over: "
                          "move them away or pass another folder")


def figures_written_before(images: Path) -> dict[str, list[str]]:
    """The figure files the build wrote into `images` last time, each with the models it shows."""
    try:
        data = json.loads((images / IMAGES_MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {name: list(models) for name, models in files.items()
            if isinstance(name, str) and "/" not in name and isinstance(models, list)}


def record_figures(images: Path, files: dict[str, list[str]]) -> None:
    """Remember which files in `images` the build wrote, so only those are ever removed."""
    atomic_write(images / IMAGES_MANIFEST, json.dumps({"files": files}, indent=1, sort_keys=True).encode())
