"""The whole build through `python build.py`: report, incremental rebuilds and a safe failure."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT

PROBE = """
import sys
import time
from bdl_demo.cli import main
code = main(sys.argv[1:])
heavy = [name for name in ("pymc", "pytensor", "matplotlib") if name in sys.modules]
print("IMPORTED:" + ",".join(heavy))
sys.exit(code)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory, fit_cache):
    """A private deck.toml, images/ and slides/; fits shared with the session's draft fits."""
    folder = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "deck.toml", folder / "deck.toml")
    return folder


def build(project, *flags):
    args = ["--quality", "draft", "--config", str(project / "deck.toml"), "--out",
            str(project / "slides"), "--images", str(project / "images"), *flags]
    result = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=900, env=dict(os.environ))
    imported = result.stdout.rsplit("IMPORTED:", 1)[-1].strip()
    return result, [name for name in imported.split(",") if name]


def report(project):
    return json.loads((project / "slides" / "report.json").read_text())


@pytest.fixture(scope="module")
def first_build(project, draft_models):
    result, _ = build(project)
    assert result.returncode == 0, result.stderr
    return result


def test_build_writes_the_deck_and_a_full_report(project, first_build):
    fits = report(project)["fits"]
    assert set(fits) == {"linear", "logistic", "deepnet", "digits"}
    assert {fits[m]["method"] for m in ("linear", "logistic")} == {"nuts"}
    assert {fits[m]["method"] for m in ("deepnet", "digits")} == {"advi"}
    for model_id, fit in fits.items():
        assert {"seconds", "cached", "key", "map", "posterior_mean", "posterior_sd",
                "diagnostics"} <= set(fit)
        assert set(fit["map"]) == set(fit["posterior_mean"]) == set(fit["posterior_sd"])
    assert {"r_hat_max", "ess_bulk_min", "divergences"} <= set(fits["linear"]["diagnostics"])
    assert "elbo_final" in fits["deepnet"]["diagnostics"]
    assert fits["linear"]["exact_check"]["max_mean_error_in_sd"] < 0.1
    assert fits["linear"]["exact_check"]["max_sd_rel_error"] < 0.1
    assert fits["digits"]["test_accuracy"] >= 0.9 and "test_accuracy_map" in fits["digits"]
    figures = report(project)["figures"]
    assert figures and all({"file", "alt", "key", "cached", "seconds"} <= set(f) for f in figures.values())
    assert (project / "slides" / "index.html").is_file()
    assert report(project)["seconds_total"] > 0
    for path in [project / "slides", *(project / "slides").rglob("*")]:
        assert path.stat().st_mode & 0o004, f"{path} is not readable by a web server"


def test_noop_rebuild_refits_nothing_redraws_nothing_and_skips_pymc(project, first_build):
    result, imported = build(project)
    assert result.returncode == 0, result.stderr
    assert imported == []
    assert all(fit["cached"] for fit in report(project)["fits"].values())
    assert all(figure["cached"] for figure in report(project)["figures"].values())


def test_changing_the_deep_net_rebuilds_only_its_items(project, first_build):
    config = project / "deck.toml"
    original = config.read_text()
    config.write_text(original.replace("hidden = [8, 8]", "hidden = [8, 5]", 1))
    try:
        result, _ = build(project)
        assert result.returncode == 0, result.stderr
        fits, figures = report(project)["fits"], report(project)["figures"]
        assert [m for m, f in fits.items() if not f["cached"]] == ["deepnet"]
        redrawn = {i for i, f in figures.items() if not f["cached"]}
        assert redrawn and all(i.startswith("deepnet-") for i in redrawn)
        assert fits["deepnet"]["network"]["widths"] == [2, 8, 5, 2]
    finally:
        config.write_text(original)


def test_a_failed_build_leaves_the_previous_deck_intact(project, first_build):
    before = (project / "slides" / "index.html").read_bytes()
    config = project / "deck.toml"
    original = config.read_text()
    config.write_text(original.replace('activation = "relu"', 'activation = "swish"', 1))
    try:
        result, _ = build(project)
    finally:
        config.write_text(original)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "swish" in result.stderr
    assert (project / "slides" / "index.html").read_bytes() == before
    assert not [p for p in project.iterdir() if p.name.startswith(".slides-")]


def test_a_template_error_names_file_and_line_and_keeps_the_deck(project, first_build, tmp_path):
    before = (project / "slides" / "index.html").read_bytes()
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    broken = templates / "linear.html.j2"
    lines = broken.read_text().splitlines()
    lines.insert(2, "{% if %}")
    broken.write_text("\n".join(lines))
    result, _ = build(project, "--templates", str(templates))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "linear.html.j2:3" in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "slides" / "index.html").read_bytes() == before


def test_ctrl_c_during_a_fit_keeps_the_deck_and_caches_nothing(project, first_build, fit_cache):
    before = (project / "slides" / "index.html").read_bytes()
    entries = sorted((fit_cache / "fits").iterdir())
    args = ["--quality", "draft", "--force", "--only", "deepnet", "--config", str(project / "deck.toml"),
            "--out", str(project / "slides"), "--images", str(project / "images")]
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), *args], cwd=ROOT,
                               stderr=subprocess.PIPE, text=True)
    assert "fitting" in process.stderr.readline()
    time.sleep(4)  # well inside PyMC, which would swallow a KeyboardInterrupt
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == 130
    assert "interrupted" in process.stderr.read()
    assert (project / "slides" / "index.html").read_bytes() == before
    assert sorted((fit_cache / "fits").iterdir()) == entries
    assert not [p for p in project.iterdir() if p.name.startswith(".slides-")]


def test_missing_npm_is_one_line_with_exit_2_before_any_fitting(project, first_build, tmp_path,
                                                                 monkeypatch, capsys):
    from bdl_demo import cli

    before = (project / "slides" / "index.html").read_bytes()
    bare = tmp_path / "checkout"  # a checkout whose reveal.js and KaTeX were never installed
    bare.mkdir()
    shutil.copy(ROOT / "package.json", bare / "package.json")
    monkeypatch.setattr(cli, "PROJECT", bare)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no npm anywhere
    code = cli.main(["--quality", "draft", "--force", "--config", str(project / "deck.toml"),
                     "--out", str(project / "slides"), "--images", str(project / "images"),
                     "--templates", str(ROOT / "templates")])
    error = capsys.readouterr().err
    assert code == 2
    assert error.count("\n") == 1 and "npm is missing" in error and "fit" not in error
    assert (project / "slides" / "index.html").read_bytes() == before


def test_serve_previews_the_deck_and_stops_on_ctrl_c(project, first_build):
    import re
    import urllib.request

    args = ["--quality", "draft", "--serve", "--port", "0", "--config", str(project / "deck.toml"),
            "--out", str(project / "slides"), "--images", str(project / "images")]
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "-q", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        assert "EventSource" in page and "reveal" in page
        assert "EventSource" not in (project / "slides" / "index.html").read_text()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    assert "Traceback" not in process.stdout.read()
