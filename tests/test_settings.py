"""deck.toml validation: every mistake is one line naming key, value and what is allowed; exit 2."""
import subprocess
import sys

import pytest

from bdl_demo.settings import SettingsError, load_settings
from conftest import ROOT

GOOD = (ROOT / "deck.toml").read_text()


def with_change(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


BAD = {
    "unknown key": (with_change("hidden = [8, 8]", "hidden = [8, 8]\nwidth = 3"),
                    ["[models.deepnet] width = 3", "only the keys"], "width = 3"),
    "negative width": (with_change("hidden = [8, 8]", "hidden = [8, -3]"),
                       ["[models.deepnet] hidden = [8, -3]", "whole numbers ≥ 1"], "hidden = [8, -3]"),
    "zero width": (with_change("hidden = [20, 20]", "hidden = [0]"),
                   ["[models.digits] hidden = [0]", "whole numbers ≥ 1"], "hidden = [0]"),
    "unknown activation": (with_change('activation = "relu"', 'activation = "swish"'),
                           ['[models.deepnet] activation = "swish"', "one of identity, sigmoid, tanh, relu"],
                           'activation = "swish"'),
    "unknown data set": (with_change('data = "moons"', 'data = "spirals"'),
                         ['[models.deepnet] data = "spirals"', "one of line, blobs, moons, digits, covtype"],
                         'data = "spirals"'),
    "unknown model": (GOOD + "\n[models.resnet]\ndata = \"digits\"\n",
                      ["[models] resnet", "linear, logistic, deepnet, digits"], "[models.resnet]"),
    "zero prior": (with_change("weight_prior = 1.0", "weight_prior = 0"),
                   ["[models.linear] weight_prior = 0", "a number > 0"], "weight_prior = 0"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_value_is_named_with_its_line(tmp_path, case):
    text, fragments, bad_line = BAD[case]
    path = tmp_path / "deck.toml"
    path.write_text(text)
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    message = str(error.value)
    assert "\n" not in message
    assert f"{path}:{line_of(text, bad_line)}:" in message
    for fragment in fragments:
        assert fragment in message


def test_broken_syntax_names_the_line(tmp_path):
    path = tmp_path / "deck.toml"
    text = with_change("n_samples = 200", "n_samples = = 200")
    path.write_text(text)
    with pytest.raises(SettingsError, match=rf"broken TOML syntax: .*line {line_of(text, '= = 200')},"):
        load_settings(path)


def test_the_project_settings_are_valid(settings):
    assert set(settings.models) == {"linear", "logistic", "deepnet", "digits"}
    assert settings.models["deepnet"].hidden == (8, 8)
    assert {"draft", "final"} <= set(settings.profiles)


def run_build(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", ["negative width", "unknown activation"])
def test_build_reports_a_bad_setting_in_one_line_with_exit_2(tmp_path, case):
    path = tmp_path / "deck.toml"
    path.write_text(BAD[case][0])
    result = run_build("--config", str(path), "--out", str(tmp_path / "slides"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "slides").exists()


@pytest.mark.parametrize("flags, words", [
    (["--quality", "best"], "invalid choice: 'best'"),
    (["--only", "resnet"], "invalid choice: 'resnet'"),
    (["--colour"], "unrecognized arguments: --colour"),
])
def test_bad_flag_is_one_line_with_exit_2(flags, words):
    result = run_build(*flags)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and words in result.stderr
