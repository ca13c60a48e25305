"""The build writes only into folders it made: a user's files are never replaced or removed."""
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT


def run_cli(*flags, cwd=ROOT):
    """build.py with flags in a fresh process; exits before fitting when an output is refused."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--quality", "draft", *flags],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def snapshot(folder):
    return {path.relative_to(folder): path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*"))}


def test_a_foreign_folder_at_out_is_refused_and_left_alone(tmp_path):
    target = tmp_path / "v"
    (target / "sub").mkdir(parents=True)
    (target / "notes.txt").write_text("x")
    before = snapshot(tmp_path)
    result = run_cli("--out", str(target), "--images", str(tmp_path / "images"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "did not make" in result.stderr and "notes.txt" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["project", "parent", "root", "home"])
def test_the_project_its_parents_root_and_home_are_refused(tmp_path, where):
    from pathlib import Path

    target = {"project": ROOT, "parent": ROOT.parent, "root": Path("/"), "home": Path.home()}[where]
    result = run_cli("--out", str(target), "--images", str(tmp_path / "images"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert (ROOT / ".git").exists() and (ROOT / "pyproject.toml").exists()


def test_a_file_at_out_is_refused(tmp_path):
    target = tmp_path / "deck.html"
    target.write_text("mine")
    result = run_cli("--out", str(target), "--images", str(tmp_path / "images"))
    assert result.returncode == 2 and "is a file" in result.stderr
    assert target.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["deck.html"]


def test_a_foreign_images_folder_is_refused(tmp_path):
    images = tmp_path / "photos"
    images.mkdir()
    (images / "holiday.jpg").write_bytes(b"\xff\xd8")
    result = run_cli("--out", str(tmp_path / "slides"), "--images", str(images))
    assert result.returncode == 2 and "holiday.jpg" in result.stderr
    assert (images / "holiday.jpg").read_bytes() == b"\xff\xd8"
    assert not (tmp_path / "slides").exists()


def test_a_site_that_looks_like_a_deck_is_not_taken_for_one(tmp_path):
    """index.html and report.json are not proof: only the marker the build writes is."""
    site = tmp_path / "site"
    (site / "images").mkdir(parents=True)
    (site / "index.html").write_text("<h1>my site</h1>")
    (site / "report.json").write_text("{}")
    (site / "images" / "holiday.jpg").write_bytes(b"\xff\xd8")
    before = snapshot(tmp_path)
    result = run_cli("--out", str(site), "--images", str(tmp_path / "images"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "did not make" in result.stderr
    assert str(site) in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


def test_a_folder_of_svg_files_is_not_taken_for_the_figures(tmp_path):
    images = tmp_path / "drawings"
    images.mkdir()
    (images / "linear-fit-point.svg").write_text("<svg>mine</svg>")
    before = snapshot(tmp_path)
    result = run_cli("--out", str(tmp_path / "slides"), "--images", str(images))
    assert result.returncode == 2 and "did not make" in result.stderr and str(images) in result.stderr
    assert snapshot(tmp_path) == before


def test_no_figure_is_drawn_over_a_file_the_build_did_not_write(tmp_path):
    """In the build's own images folder, a file of the user's under a figure's name stays, and the
    build stops before drawing anything."""
    from bdl_demo.results.images import ImagesError, check_figure_names, record_figures

    images = tmp_path / "images"
    images.mkdir()
    record_figures(images, {"a-fit-point.svg": ["a"]})
    (images / "a-fit-point.svg").write_text("ours")
    check_figure_names(images, ["a-fit-point.svg", "a-fit-posterior.svg"])  # ours, and a new one
    (images / "a-fit-posterior.svg").write_text("the user's")
    with pytest.raises(ImagesError) as refused:
        check_figure_names(images, ["a-fit-point.svg", "a-fit-posterior.svg"])
    assert "a-fit-posterior.svg" in str(refused.value) and str(images) in str(refused.value)
    assert (images / "a-fit-posterior.svg").read_text() == "the user's"
    (images / "a-matrix-point.svg").write_text("the user's too")
    with pytest.raises(ImagesError) as refused:  # every one named at once, so one move clears them
        check_figure_names(images, ["a-fit-point.svg", "a-fit-posterior.svg", "a-matrix-point.svg"])
    assert "a-fit-posterior.svg, a-matrix-point.svg, files bdl_demo did not write" in str(refused.value)


def test_staging_folders_of_a_build_that_died_are_cleared(tmp_path):
    """A killed build leaves .<deck>-new-… and .<deck>-old-… folders: the next one removes those that
    are a build's (marked, or empty) and leaves any other folder alone."""
    from bdl_demo.output.folders import DECK_MARKER, staged_deck

    out = tmp_path / "slides"
    out.mkdir()
    (out / DECK_MARKER).write_text("")
    dead = tmp_path / ".slides-new-abc123"
    dead.mkdir()
    (dead / DECK_MARKER).write_text("")
    (dead / "index.html").write_text("half a deck")
    empty = tmp_path / ".slides-new-empty1"
    empty.mkdir()
    set_aside = tmp_path / ".slides-old-xyz789"
    (set_aside / "slides").mkdir(parents=True)
    (set_aside / "slides" / DECK_MARKER).write_text("")
    theirs = tmp_path / ".slides-new-mine"
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("keep me")
    with staged_deck(out) as staging:
        (staging / "index.html").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".slides-new-mine", "slides"]
    assert (theirs / "thesis.tex").read_text() == "keep me"


def test_a_deck_set_aside_when_the_build_died_comes_back(tmp_path):
    """Killed between setting the old deck aside and moving the new one in: the old one returns."""
    from bdl_demo.output.folders import DECK_MARKER, remove_dead_staging

    out = tmp_path / "slides"
    set_aside = tmp_path / ".slides-old-xyz789"
    (set_aside / "slides").mkdir(parents=True)
    (set_aside / "slides" / DECK_MARKER).write_text("")
    (set_aside / "slides" / "index.html").write_text("the previous deck")
    remove_dead_staging(out)
    assert (out / "index.html").read_text() == "the previous deck"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slides"]


def test_our_deck_folder_is_replaced_and_empty_ones_are_used(tmp_path):
    from bdl_demo.output.folders import DECK_MARKER, check_deck_folder, staged_deck

    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_deck_folder(empty, ROOT) == empty.resolve()
    with staged_deck(empty) as staging:
        (staging / "index.html").write_text("first")
    assert (empty / DECK_MARKER).is_file() and (empty / "index.html").read_text() == "first"
    assert check_deck_folder(empty, ROOT) == empty.resolve()  # now ours: replaceable
    with staged_deck(empty) as staging:
        (staging / "index.html").write_text("second")
    assert (empty / "index.html").read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]  # no staging folder left


def test_a_failed_stage_leaves_the_old_deck(tmp_path):
    from bdl_demo.output.folders import staged_deck

    out = tmp_path / "slides"
    with staged_deck(out) as staging:
        (staging / "index.html").write_text("good")
    with pytest.raises(RuntimeError), staged_deck(out) as staging:
        (staging / "index.html").write_text("half")
        raise RuntimeError("boom")
    assert (out / "index.html").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slides"]


def test_only_figures_the_build_wrote_are_ever_removed(tmp_path):
    from bdl_demo.results.figures import remove_stale

    images = tmp_path / "images"
    images.mkdir()
    for name in ("a-x.svg", "b-x.svg", "shared.svg"):
        (images / name).write_text(name)
    remove_stale(images, {"a-x.svg": ["a"], "b-x.svg": ["b"], "shared.svg": []}, set(), print)
    (images / "holiday.jpg").write_text("mine")
    (images / "notes.svg").write_text("mine too")
    # A build of model "a" alone (b left out), which no longer draws a-x: b's figure and the user's files stay.
    remove_stale(images, {"shared.svg": []}, {"b"}, print)
    assert sorted(p.name for p in images.iterdir() if not p.name.startswith(".")) == [
        "b-x.svg", "holiday.jpg", "notes.svg", "shared.svg"]
    # A full build that no longer draws b-x (b was removed) removes it, and still nothing of the user's.
    remove_stale(images, {"shared.svg": []}, set(), print)
    assert sorted(p.name for p in images.iterdir() if not p.name.startswith(".")) == [
        "holiday.jpg", "notes.svg", "shared.svg"]


def test_a_second_build_waits_for_the_first(tmp_path):
    from bdl_demo.output.folders import project_lock

    said, order = [], []
    release = threading.Event()

    def first():
        with project_lock(tmp_path, said.append):
            order.append("first in")
            release.wait(10)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        time.sleep(0.01)
    waiter = threading.Thread(target=lambda: _second(tmp_path, said, order))
    waiter.start()
    while not said:
        time.sleep(0.01)
    assert order == ["first in"]  # the second is waiting
    release.set()
    thread.join()
    waiter.join()
    assert order == ["first in", "first out", "second in"]
    assert len(said) == 1 and "waiting for another build" in said[0]


def _second(folder, said, order):
    from bdl_demo.output.folders import project_lock

    with project_lock(folder, said.append):
        order.append("second in")


def test_the_new_deck_takes_the_old_ones_place_in_one_step(tmp_path):
    """renameat2's exchange: at no moment is there no deck at --out (kill -9 cannot land between)."""
    from bdl_demo.output.folders import exchange

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "which").write_text("a")
    (b / "which").write_text("b")
    assert exchange(a, b)
    assert (a / "which").read_text() == "b" and (b / "which").read_text() == "a"
