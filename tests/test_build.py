"""The whole build through `python build.py`: report, incremental rebuilds and a safe failure."""
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def set_key(text: str, model_id: str, key: str, value: str) -> str:
    """deck.toml with `key = value` set in [models.<model_id>] (replaced if there, else added)."""
    lines = text.splitlines()
    start = lines.index(f"[models.{model_id}]")
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("[")), len(lines))
    for n in range(start + 1, end):
        if re.match(rf"{key}\s*=", lines[n]):
            lines[n] = f"{key} = {value}"
            break
    else:
        lines.insert(start + 1, f"{key} = {value}")
    return "\n".join(lines) + "\n"


def first_model(settings, test) -> str:
    found = [model_id for model_id, model in settings.models.items() if test(model)]
    assert found, "deck.toml has no model this test needs"
    return found[0]


def test_build_writes_the_deck_and_a_full_report(project, first_build, settings):
    fits = report(project)["fits"]
    assert list(fits) == list(settings.models)
    for model_id, fit in fits.items():
        model = settings.models[model_id]
        assert fit["method"] == model.method and fit["title"] == model.title and fit["kind"] == model.kind
        assert {"seconds", "cached", "key", "map", "posterior_mean", "posterior_sd",
                "diagnostics"} <= set(fit)
        assert set(fit["map"]) == set(fit["posterior_mean"]) == set(fit["posterior_sd"])
        assert fit["diagnostics"]["map_converged"] is True
        if fit["method"] == "nuts":
            assert {"r_hat_max", "ess_bulk_min", "divergences"} <= set(fit["diagnostics"])
        elif fit["method"] == "laplace":
            assert fit["diagnostics"]["tau"] > 0 and fit["map_posterior_corr"] >= 0.9
        else:
            assert {"elbo_final", "converged"} <= set(fit["diagnostics"])
        if model.kind == "regression" and not model.hidden:
            assert fit["exact_check"]["max_mean_error_in_sd"] < 0.1
            assert fit["exact_check"]["max_sd_rel_error"] < 0.1
        if model.kind != "regression":
            assert 0.5 < fit["test_accuracy"] <= 1 and 0.5 < fit["test_accuracy_map"] <= 1
    figures = report(project)["figures"]
    assert figures and all({"file", "alt", "key", "cached", "seconds"} <= set(f) for f in figures.values())
    assert (project / "slides" / "index.html").is_file()
    assert report(project)["seconds_total"] > 0
    for path in [project / "slides", *(project / "slides").rglob("*")]:
        assert path.stat().st_mode & 0o004, f"{path} is not readable by a web server"
    assert sum(p.stat().st_size for p in (project / "slides").rglob("*") if p.is_file()) <= 8_000_000


def test_noop_rebuild_touches_nothing_and_imports_nothing_heavy(project, first_build):
    slides = project / "slides"
    before = {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in slides.rglob("*") if path.is_file()}
    result, imported = build(project)
    assert result.returncode == 0, result.stderr
    assert imported == []
    assert "nothing changed since the last build" in result.stderr
    after = {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in slides.rglob("*") if path.is_file()}
    assert after == before


def test_a_rebuild_after_an_edit_loads_every_fit_and_figure_from_the_cache(project, first_build):
    config = project / "deck.toml"
    original = config.read_text()
    config.write_text(original + "\n# an edit that changes no model\n")
    try:
        result, imported = build(project)
        assert result.returncode == 0, result.stderr
        assert "nothing changed" not in result.stderr and imported == []
        assert all(fit["cached"] for fit in report(project)["fits"].values())
        assert all(figure["cached"] for figure in report(project)["figures"].values())
    finally:
        config.write_text(original)


def test_a_deleted_deck_or_figure_is_noticed_by_the_next_build(project, first_build):
    (project / "slides" / "report.json").unlink()
    result, _ = build(project)
    assert result.returncode == 0 and "nothing changed" not in result.stderr
    assert (project / "slides" / "report.json").is_file()


def test_changing_a_deep_net_rebuilds_only_its_items(project, first_build, settings):
    deep = first_model(settings, lambda m: m.hidden)
    config = project / "deck.toml"
    original = config.read_text()
    widths = [*settings.models[deep].hidden[:-1], settings.models[deep].hidden[-1] + 1]
    config.write_text(set_key(original, deep, "hidden", str(widths)))
    try:
        result, _ = build(project)
        assert result.returncode == 0, result.stderr
        fits, figures = report(project)["fits"], report(project)["figures"]
        assert [m for m, f in fits.items() if not f["cached"]] == [deep]
        redrawn = {i for i, f in figures.items() if not f["cached"]}
        # Its own figures, and those that put every model side by side (ids "all-…").
        assert redrawn and all(i.startswith((f"{deep}-", "all-")) for i in redrawn)
        assert any(i.startswith(f"{deep}-") for i in redrawn)
        assert fits[deep]["network"]["widths"][1:-1] == widths
    finally:
        config.write_text(original)


def test_a_new_model_section_is_fitted_drawn_and_shown_then_removed(project, first_build):
    config = project / "deck.toml"
    original = config.read_text()
    config.write_text(original + '\n[models.iris]\ndata = "iris"\nhidden = [16]\n')
    try:
        result, _ = build(project)
        assert result.returncode == 0, result.stderr
        added = report(project)
        assert list(added["fits"])[-1] == "iris" and added["fits"]["iris"]["kind"] == "multiclass"
        iris_figures = [f for f in added["figures"] if f.startswith("iris-")]
        assert {"iris-weights-layer1", "iris-weights-layer2", "iris-unsure"} <= set(iris_figures)
        html = (project / "slides" / "index.html").read_text()
        assert all(f'src="images/{f}.svg"' in html for f in iris_figures)
        assert all((project / "images" / f"{f}.svg").is_file() for f in iris_figures)
        assert "Real data: A deep net on iris" in html
    finally:
        config.write_text(original)
    result, _ = build(project)
    assert result.returncode == 0, result.stderr
    assert "iris" not in report(project)["fits"]
    assert not list((project / "images").glob("iris-*")) and "iris" not in (project / "slides" / "index.html").read_text()


def test_a_failed_build_leaves_the_previous_deck_intact(project, first_build, settings):
    before = (project / "slides" / "index.html").read_bytes()
    config = project / "deck.toml"
    original = config.read_text()
    config.write_text(set_key(original, next(iter(settings.models)), "activation", '"swish"'))
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
    broken = templates / "sections" / "outline.md"
    lines = broken.read_text().splitlines()
    lines.insert(2, "{% if %}")
    broken.write_text("\n".join(lines))
    result, _ = build(project, "--templates", str(templates))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "sections/outline.md:3" in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "slides" / "index.html").read_bytes() == before


def test_ctrl_c_during_fits_keeps_the_deck_caches_nothing_and_stops_every_worker(
        project, first_build, fit_cache, settings):
    before = (project / "slides" / "index.html").read_bytes()
    entries = sorted((fit_cache / "fits").iterdir())
    deep = first_model(settings, lambda m: m.hidden)
    args = ["--quality", "draft", "--force", "--only", deep,  # its fits side by side, one per core
            "--config", str(project / "deck.toml"), "--out", str(project / "slides"), "--images", str(project / "images")]
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), *args], cwd=ROOT,
                               stderr=subprocess.PIPE, text=True)
    started = next(line for line in process.stderr if line.startswith("fits: ") or not line)
    expected = int(re.search(r"in (\d+) worker processes", started).group(1))
    assert expected >= 1
    # Ctrl-C once every worker the build said it started is running PyTensor (inside PyMC's fit,
    # which would swallow a KeyboardInterrupt).
    wait_until(lambda: len(workers_in_pytensor(process.pid)) == expected)
    workers = children_of(process.pid)
    assert len(workers) == expected
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == 130
    assert "interrupted" in process.stderr.read()
    assert (project / "slides" / "index.html").read_bytes() == before
    assert sorted((fit_cache / "fits").iterdir()) == entries
    assert not [p for p in project.iterdir() if p.name.startswith(".slides-")]
    wait_until(lambda: not [pid for pid in workers if Path(f"/proc/{pid}").exists()])


def wait_until(condition, seconds: float = 120.0) -> None:
    """Poll `condition` until it holds; the limit only stops a hang, it bounds nothing."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)


def workers_in_pytensor(pid: int) -> list[int]:
    """The build's worker processes that have PyTensor's compiled code loaded."""
    found = []
    for worker in children_of(pid):
        try:
            if "pytensor" in Path(f"/proc/{worker}/maps").read_text():
                found.append(worker)
        except OSError:
            continue
    return found


def test_kill_9_at_any_moment_keeps_a_whole_deck_and_the_next_build_clears_up(project, first_build, settings, tmp_path):
    """SIGKILL gives the build no chance to clean up: wherever it lands — start-up, fits, figures,
    the deck being written — slides/ is a whole deck, and the next build leaves no staging folder."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    outline = templates / "sections" / "outline.md"
    linear = first_model(settings, lambda m: not m.hidden)
    common = ["--quality", "draft", "--config", str(project / "deck.toml"), "--out", str(project / "slides"),
              "--images", str(project / "images"), "--templates", str(templates)]
    moments = [(["--force", "--only", linear], delay) for delay in (0.5, 2.0, 4.0)]  # start-up, fits
    moments += [([], delay) for delay in (0.4, 0.8, 1.2, 1.6, 2.0, 2.5)]  # a template edit: the deck stage
    for number, (flags, delay) in enumerate(moments):
        outline.write_text(outline.read_text() + f"\n{{# edit {number} #}}\n")
        process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "-q", *common, *flags], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)  # the moment is the experiment: not a wait for anything
        workers = children_of(process.pid)
        process.kill()
        process.wait()
        for worker in workers:  # orphans now: they would go on fitting
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
        deck = project / "slides"
        assert (deck / ".bdl-demo-deck").is_file() and (deck / "index.html").stat().st_size > 0, (flags, delay)
        assert json.loads((deck / "report.json").read_text())["fits"], (flags, delay)
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "-q", *common], cwd=ROOT, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    assert not [p.name for p in project.iterdir() if p.name.startswith(".slides-")]


def children_of(pid: int) -> list[int]:
    """Worker processes a build started (spawned Python interpreters)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text and b"spawn_main" in cmdline:
            found.append(int(status.parent.name))
    return found


def test_missing_npm_is_one_line_with_exit_2_before_any_fitting(project, first_build, tmp_path,
                                                                 monkeypatch, capsys):
    from bdl_demo import cli

    before = (project / "slides" / "index.html").read_bytes()
    monkeypatch.setenv("BDL_DEMO_ASSETS", str(tmp_path / "assets"))  # reveal.js and KaTeX never installed
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
