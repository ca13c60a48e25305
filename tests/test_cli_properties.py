"""Property-based: whatever flags and settings a user gives, the command line ends in exit 0, or in
exit 2 with one line on stderr — never a traceback — and the previous deck stays as it was.

The stages from the data on are replaced by stubs, so each example runs in milliseconds; what is
tested is everything in front of them (flags, folders, settings, templates, assets).
"""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bdl_demo import cli, pipeline
from bdl_demo.deck.talk import Talk
from bdl_demo.results.figures import Figures
from conftest import ROOT
from test_settings import BASE, TOML_VALUES, toml_value

FLAGS = ["--quality", "--only", "--force", "--out", "--config", "--images", "--templates", "--pdf",
         "--pdf-notes", "--single-file", "--notebook", "--port", "-q", "-v", "--serv", "--qual", "-x",
         "--colour", "--", "-"]
WORDS = st.one_of(st.sampled_from(["draft", "final", "best", "alpha", "beta", "nosuch", "0", "99999",
                                   "-1", "", "/", ".", "..", "~", "deck.toml"]), st.text(max_size=8))


@pytest.fixture
def stage(tmp_path_factory, monkeypatch):
    """A previous deck, a deck.toml, and the heavy stage replaced by a stub."""
    root = tmp_path_factory.mktemp("cli")
    (root / "deck.toml").write_text(BASE)
    deck = root / "slides"
    deck.mkdir()
    (deck / ".bdl-demo-deck").write_text("made by bdl_demo")
    (deck / "index.html").write_text("the previous deck")
    stub_stages(monkeypatch)
    monkeypatch.setenv("BDL_DEMO_CACHE", str(root / "cache"))
    return root


@contextlib.contextmanager
def elsewhere(out):
    """A staging folder that never takes the deck's place."""
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def stub_stages(monkeypatch, staged_deck=elsewhere):
    """Every stage of the pipeline from the data on does nothing (the previous deck stays)."""
    stubs = {"load_data": lambda *a, **k: {}, "fit_models": lambda *a, **k: {},
             "evaluate_models": lambda models, *a, **k: models, "make_report": lambda models: {"fits": {}},
             "render_talk": lambda *a, **k: Talk([]), "draw_figures": lambda *a, **k: Figures(),
             "write_deck": lambda *a, **k: set(), "write_exports": lambda *a, **k: None,
             "write_report": lambda *a, **k: None, "record_build": lambda *a, **k: None,
             "staged_deck": staged_deck}
    for name, stub in stubs.items():
        monkeypatch.setattr(pipeline, name, stub)


def check_outcome(code: int, err: str, deck) -> None:
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("error: "), err
    assert (deck / "index.html").read_text() == "the previous deck"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.one_of(st.sampled_from(FLAGS), WORDS), max_size=6))
def test_any_flags_end_in_exit_0_or_one_line(stage, capsys, words):
    default = ["--out", str(stage / "slides"), "--images", str(stage / "images"),
               "--config", str(stage / "deck.toml")]
    code = cli.main(default + words)
    check_outcome(code, capsys.readouterr().err, stage / "slides")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["hidden", "data", "weight_prior", "n_samples", "output", "seed", "draws",
                            "noise", "title", "learning_rate"]),
       value=TOML_VALUES, section=st.sampled_from(["models.alpha", "models.beta", "quality.final", ""]))
def test_any_setting_ends_in_exit_0_or_one_line(stage, capsys, key, value, section):
    text = BASE
    line = f"{key} = {toml_value(value)}\n"
    text = text.replace(f"[{section}]\n", f"[{section}]\n{line}", 1) if section else line + text
    (stage / "deck.toml").write_text(text)
    code = cli.main(["--out", str(stage / "slides"), "--images", str(stage / "images"),
                     "--config", str(stage / "deck.toml"), "--quality", "draft"])
    check_outcome(code, capsys.readouterr().err, stage / "slides")


@pytest.mark.parametrize("target", ["/", str(ROOT), str(ROOT.parent), "~"])
def test_output_folders_that_are_not_ours_are_refused_in_one_line(stage, capsys, target):
    code = cli.main(["--out", target, "--images", str(stage / "images"), "--config", str(stage / "deck.toml")])
    check_outcome(code, capsys.readouterr().err, stage / "slides")
    assert code == 2


def test_a_read_only_place_for_the_deck_is_one_line(stage, capsys, monkeypatch):
    import os

    from bdl_demo.output.folders import staged_deck

    stub_stages(monkeypatch, staged_deck=staged_deck)  # the real staging folder, beside the deck
    locked = stage / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):  # root writes anywhere: make the folder fail as a full disk would
            def refuse(*args, **kwargs):
                raise PermissionError(13, "Permission denied", str(locked))
            monkeypatch.setattr("tempfile.mkdtemp", refuse)
        code = cli.main(["--out", str(locked / "slides"), "--images", str(stage / "images"),
                         "--config", str(stage / "deck.toml")])
        err = capsys.readouterr().err
        check_outcome(code, err, stage / "slides")
        assert code == 2 and "Permission denied" in err
    finally:
        locked.chmod(0o755)
