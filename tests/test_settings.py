"""deck.toml validation: every mistake is one line naming key, value and what is allowed; exit 2.

The tests write deck.toml files of their own, so they hold whatever the project's deck.toml says.
"""
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from bdl_demo.settings.reading import SettingsError, load_settings
from bdl_demo.settings.schema import MAX_PARAMETERS, MAX_SAMPLES, MAX_TEXT, MAX_WIDTH, ModelSettings, keys_of
from bdl_demo.model.data import DATASETS
from conftest import ROOT

BASE = """\
seed = 7

[deck]
title = "A test deck"

[quality.draft]
draws = 100
tune = 100
chains = 1
advi_iterations = 100

[quality.final]
draws = 200
tune = 200
chains = 2
advi_iterations = 200

[models.alpha]
data = "line"
n_samples = 12
hidden = []
weight_prior = 1.0

[models.beta]
data = "moons"
hidden = [4, 3]
activation = "relu"
inference = "advi"
"""


def with_change(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


BAD = {
    "unknown key": (with_change("hidden = [4, 3]", "hidden = [4, 3]\nwidth = 3"),
                    ["[models.beta] width = 3", "only the keys"], "width = 3"),
    "negative width": (with_change("hidden = [4, 3]", "hidden = [4, -3]"),
                       ["[models.beta] hidden = [4, -3]", "widths from 1 to"], "hidden = [4, -3]"),
    "unknown activation": (with_change('activation = "relu"', 'activation = "swish"'),
                           ['[models.beta] activation = "swish"', '"identity", "sigmoid", "tanh", "relu"'],
                           'activation = "swish"'),
    "unknown data set": (with_change('data = "moons"', 'data = "spirals"'),
                         ['[models.beta] data = "spirals"', '"iris"', '"breast_cancer"'], 'data = "spirals"'),
    "id that is not a name": (BASE + '\n[models."Deep Net"]\ndata = "iris"\n',
                              ["[models] Deep Net", "lower-case letters"], '[models."Deep Net"]'),
    "zero prior": (with_change("weight_prior = 1.0", "weight_prior = 0"),
                   ["[models.alpha] weight_prior = 0", "a number above 0"], "weight_prior = 0"),
    "infinite prior": (with_change("weight_prior = 1.0", "weight_prior = inf"),
                       ["[models.alpha] weight_prior = inf", keys_of(ModelSettings)["weight_prior"].check.allowed], "weight_prior = inf"),
    "regression data, softmax output": (with_change('data = "line"', 'data = "line"\noutput = "softmax"'),
                                        ['[models.alpha] output = "softmax"', "continuous targets"],
                                        'output = "softmax"'),
    "sigmoid for three classes": (BASE + '\n[models.gamma]\ndata = "iris"\noutput = "sigmoid"\n',
                                  ['[models.gamma] output = "sigmoid"', "has 3"], 'output = "sigmoid"'),
    "a key the data set does not take": (BASE + '\n[models.gamma]\ndata = "iris"\nn_samples = 50\n',
                                         ["[models.gamma] n_samples = 50", 'data = "iris"'], "n_samples = 50"),
    "too few points for the classes": (with_change('data = "moons"', 'data = "moons"\nn_samples = 2'),
                                       ["[models.beta] n_samples = 2", "at least 20 rows"], "n_samples = 2"),
    "too many points": (with_change("n_samples = 12", "n_samples = 1000000000"),
                        ["[models.alpha] n_samples = 1000000000", f"{MAX_SAMPLES:,}"], "n_samples = 1000000000"),
    "a net too big for a laptop": (with_change("hidden = [4, 3]", "hidden = [256, 256, 256]"),
                                   ["[models.beta] hidden = [256, 256, 256]", f"{MAX_PARAMETERS:,}"],
                                   "hidden = [256, 256, 256]"),
    "one huge layer": (with_change("hidden = [4, 3]", "hidden = [100000]"),
                       ["[models.beta] hidden = [100000]", f"from 1 to {MAX_WIDTH}"], "hidden = [100000]"),
    "two models titled alike": (BASE + '\n[models.gamma]\ndata = "iris"\ntitle = "Same"\n'
                                       '\n[models.delta]\ndata = "wine"\ntitle = "Same"\n',
                                ["[models.gamma] and [models.delta] clash", '"Same"'], "[models.delta]"),
    "a rule for τ that does not exist": (with_change('inference = "advi"', 'inference = "laplace"\ntau = "cold"'),
                                          ['[models.beta] tau = "cold"', '"evidence"', '"validation"', "1e+06"],
                                          'tau = "cold"'),
    "a τ of zero": (with_change('inference = "advi"', 'inference = "laplace"\ntau = 0'),
                    ["[models.beta] tau = 0", "a number above 0"], "tau = 0"),
    "a title too long for a slide": (with_change('title = "A test deck"', 'title = "' + "x" * (25 * MAX_TEXT) + '"'),
                                     ["[deck] title", "x…", f"at most {MAX_TEXT} characters"], 'title = "xxx'),
    "a profile without draws": (with_change("draws = 100\n", ""),
                                ["[quality.draft] draws = (missing)"], "[quality.draft]"),
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
    assert f"{path}:{line_of(text, bad_line)}:" in message or case == "a profile without draws"
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("old, new, says", [
    ("n_samples = 12", "n_samples = = 12", "broken TOML syntax"),
    ("hidden = [4, 3]", "hidden = [4, 3", "not finished"),  # the parser stops on the next line
])
def test_broken_syntax_names_the_line_at_fault(tmp_path, old, new, says):
    path = tmp_path / "deck.toml"
    text = with_change(old, new)
    path.write_text(text)
    with pytest.raises(SettingsError, match=rf":{line_of(text, new)}: .*{says}"):
        load_settings(path)


def test_non_utf8_is_one_line(tmp_path):
    path = tmp_path / "deck.toml"
    path.write_bytes(BASE.replace('title = "A test deck"', 'title = "caf\xe9"').encode("latin-1"))
    with pytest.raises(SettingsError, match=r":4: not UTF-8 text .*save the file as UTF-8") as error:
        load_settings(path)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("value,expected", [('"evidence"', "evidence"), ('"validation"', "validation"),
                                            ("1000", 1000.0), ("0.5", 0.5)])
def test_tau_is_a_rule_or_a_number(tmp_path, value, expected):
    path = tmp_path / "deck.toml"
    path.write_text(with_change('inference = "advi"', f'inference = "laplace"\ntau = {value}'))
    assert load_settings(path).models["beta"].tau == expected


def test_the_evidence_chooses_tau_unless_told_otherwise(tmp_path):
    path = tmp_path / "deck.toml"
    path.write_text(BASE)
    assert load_settings(path).models["beta"].tau == "evidence"


def test_any_ids_in_the_order_of_the_file(tmp_path):
    path = tmp_path / "deck.toml"
    path.write_text(BASE + '\n[models.iris_net]\ndata = "iris"\nhidden = [16]\n')
    models = load_settings(path).models
    assert list(models) == ["alpha", "beta", "iris_net"]
    assert [m.kind for m in models.values()] == ["regression", "binary", "multiclass"]


def test_derived_titles_are_told_apart(tmp_path):
    path = tmp_path / "deck.toml"
    path.write_text(BASE + '\n[models.gamma]\ndata = "iris"\nhidden = [16]\n'
                           '\n[models.delta]\ndata = "iris"\nhidden = [8]\n')
    titles = [m.title for m in load_settings(path).models.values()]
    assert titles[0] == "Linear regression"
    assert len(set(titles)) == len(titles)
    assert titles[2] == "A deep net on iris (gamma)" and titles[1] == "A deep net on moons"


def test_the_project_settings_are_valid(settings):
    assert settings.models, "deck.toml defines no model"
    assert {"draft", "final"} <= set(settings.profiles)
    for model in settings.models.values():
        assert model.data in DATASETS and model.title


def run_build(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", ["negative width", "unknown activation", "infinite prior"])
def test_build_reports_a_bad_setting_in_one_line_with_exit_2(tmp_path, case):
    path = tmp_path / "deck.toml"
    path.write_text(BAD[case][0])
    result = run_build("--config", str(path), "--out", str(tmp_path / "slides"),
                       "--images", str(tmp_path / "images"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "slides").exists()


@pytest.mark.parametrize("flags, words", [
    (["--quality", "best"], "invalid choice: 'best'"),
    (["--only", "resnet"], "--only resnet"),
    (["--colour"], "unrecognized arguments: --colour"),
    (["--serv"], "unrecognized arguments: --serv"),
    (["--serve", "--por", "9"], "unrecognized arguments: --por"),
])
def test_bad_flag_is_one_line_with_exit_2(tmp_path, flags, words):
    result = run_build("--out", str(tmp_path / "slides"), "--images", str(tmp_path / "images"), *flags)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr


# --- property-based: whatever deck.toml holds, one line or a valid result --------------------------

TOML_VALUES = st.one_of(
    st.integers(min_value=-10**12, max_value=10**12), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.lists(st.integers(min_value=-5, max_value=10**6), max_size=6),
    st.lists(st.floats(allow_nan=False), max_size=3))
KEYS = ["data", "hidden", "activation", "output", "weight_prior", "bias_prior", "noise", "n_samples",
        "inference", "learning_rate", "batch_size", "advi_iterations_scale", "title", "data_path",
        "download", "seed", "draws", "tune", "chains", "advi_iterations", "tau", "nonsense"]


def toml_value(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == float("inf") else "-inf" if value == float("-inf") else repr(value))
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode().replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(["models.alpha", "models.beta", "quality.draft", "deck", ""]),
       key=st.sampled_from(KEYS), value=TOML_VALUES)
def test_any_value_anywhere_is_valid_or_one_line(tmp_path, section, key, value):
    text = BASE + (f"\n[{section}]\n" if section and section not in BASE else "")
    header = f"[{section}]\n"
    line = f"{key} = {toml_value(value)}\n"
    if section and header in text:
        text = text.replace(header, header + line, 1)
    else:
        text = line + text
    path = tmp_path / "deck.toml"
    path.write_text(text)
    try:
        loaded = load_settings(path)
    except SettingsError as error:
        assert "\n" not in str(error) and str(error).startswith(str(path))
    else:
        for model in loaded.models.values():
            assert all(1 <= w <= MAX_WIDTH for w in model.hidden)
            assert 0 < model.weight_prior <= 100 and 0 < model.learning_rate <= 1
            assert model.tau in ("evidence", "validation") or 0 < model.tau <= 1e6


def test_a_value_with_a_line_break_is_shown_escaped_in_its_one_line_error(tmp_path):
    path = tmp_path / "deck.toml"
    path.write_text(BASE.replace("[models.alpha]\n", '[models.alpha]\ntitle = "two\\nlines"\n', 1))
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert "\n" not in str(raised.value) and 'title = "two\\nlines"' in str(raised.value)


def test_a_list_value_is_shown_as_the_toml_the_user_wrote(tmp_path):
    path = tmp_path / "deck.toml"
    path.write_text(BASE.replace("hidden = [4, 3]", 'hidden = [4, "x", true]', 1))
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert 'hidden = [4, "x", true] is not allowed' in str(raised.value)


def test_readmes_tables_of_keys_are_the_schemas():
    """README shows every key as the schema checks it: a change to one is a change to the other."""
    from bdl_demo.settings.schema import markdown_tables

    assert markdown_tables() in (ROOT / "README.md").read_text()
