"""Inputs that never end or never resolve: a symlink loop, a device, a pipe, a folder where a file
belongs, a file too big — for every path the build takes — are one line and exit code 2, before
anything is fitted or written."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from conftest import ROOT

from bdl_demo.cli import main
from bdl_demo.files import MAX_INPUT_BYTES


def make(kind: str, where: Path) -> Path:
    """A path of the given kind inside `where`."""
    path = where / "target"
    if kind == "symlink loop":
        path.symlink_to(path)
    elif kind == "dangling symlink":
        path.symlink_to(where / "nowhere" / "at-all")
    elif kind == "folder":
        path.mkdir()
        (path / "something").write_text("x")
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "pipe":
        os.mkfifo(path)
    elif kind == "too big":
        path.write_bytes(b"# " + b"x" * MAX_INPUT_BYTES + b"\n")
    elif kind == "file":
        path.write_text("not a folder")
    elif kind == "below a file":
        (where / "plain").write_text("x")
        path = where / "plain" / "target"
    elif kind == "templates whose outline is a pipe":
        path.mkdir()
        os.mkfifo(path / "talk.md")
    elif kind == "templates whose outline is too big":
        path.mkdir()
        (path / "talk.md").write_bytes(b"x" * (MAX_INPUT_BYTES + 1))
    return path


CASES = {
    "--config": ["symlink loop", "dangling symlink", "folder", "device", "pipe", "too big"],
    "--templates": ["symlink loop", "dangling symlink", "file", "device", "templates whose outline is a pipe",
                    "templates whose outline is too big"],
    "--out": ["symlink loop", "file", "device", "pipe", "below a file"],
    "--images": ["symlink loop", "file", "device", "pipe", "below a file"],
    "BDL_DEMO_CACHE": ["symlink loop", "file", "device", "below a file"],
}
PAIRS = [(flag, kind) for flag, kinds in CASES.items() for kind in kinds]


@hypothesis_settings(max_examples=len(PAIRS) * 2, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(PAIRS), relative=st.booleans())
def test_any_bad_path_for_any_input_is_one_line(case, relative, capsys, monkeypatch):
    flag, kind = case
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        bad = make(kind, folder)
        monkeypatch.chdir(folder)
        shown = os.path.relpath(bad, folder) if relative else str(bad)
        paths = {"--config": str(ROOT / "deck.toml"), "--templates": str(ROOT / "templates"),
                 "--out": str(folder / "slides"), "--images": str(folder / "images")}
        monkeypatch.setenv("BDL_DEMO_CACHE", str(folder / "cache"))
        if flag == "BDL_DEMO_CACHE":
            monkeypatch.setenv("BDL_DEMO_CACHE", shown)
        else:
            paths[flag] = shown
        capsys.readouterr()
        code = main(["-q", "--quality", "draft", *[part for item in paths.items() for part in item]])
        error = capsys.readouterr().err
        assert code == 2, (flag, kind, error)
        assert error.count("\n") == 1 and error.startswith("error: ") and "Traceback" not in error, error
        assert not (folder / "slides").exists() and not (folder / "images").exists()


def test_reading_a_device_as_settings_stops_at_once(capsys, tmp_path):
    code = main(["-q", "--config", "/dev/zero", "--out", str(tmp_path / "s"), "--images", str(tmp_path / "i")])
    assert code == 2 and "/dev/zero is not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("size", [MAX_INPUT_BYTES, MAX_INPUT_BYTES + 1])
def test_the_settings_limit_is_stated_and_kept(tmp_path, size):
    from bdl_demo.settings.reading import load_settings
    from bdl_demo.errors import UserError

    text = (ROOT / "deck.toml").read_text()
    path = tmp_path / "deck.toml"
    path.write_text(text + "#" * (size - len(text.encode()) - 1) + "\n")
    assert path.stat().st_size == size
    if size <= MAX_INPUT_BYTES:
        assert load_settings(path).models
    else:
        with pytest.raises(UserError, match=f"larger than {MAX_INPUT_BYTES:,} bytes"):
            load_settings(path)


def test_a_full_disk_names_the_file_written_not_the_one_read(tmp_path, monkeypatch):
    import errno
    import shutil

    from bdl_demo.files import atomic_write, copy_file

    source, target = tmp_path / "figure.svg", tmp_path / "deck" / "figure.svg"
    source.write_text("<svg/>")
    target.parent.mkdir()

    def disk_full(src, dst, **kwargs):  # what copyfile raises when the disk fills: it names the source
        raise OSError(errno.ENOSPC, "No space left on device", str(src))

    monkeypatch.setattr(shutil, "copyfile", disk_full)
    with pytest.raises(OSError) as raised:
        copy_file(source, target)
    assert raised.value.filename == str(target) and raised.value.errno == errno.ENOSPC

    def no_room(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_room)
    with pytest.raises(OSError) as raised:
        atomic_write(tmp_path / "deck" / "index.html", b"<html>")
    assert raised.value.filename == str(tmp_path / "deck" / "index.html")
    assert [p.name for p in (tmp_path / "deck").iterdir()] == []  # no temporary file left behind
