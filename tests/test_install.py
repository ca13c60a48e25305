"""bdl_demo installed as a user gets it — not editable, in a fresh virtual environment — builds the
deck of the folder it runs in: deck.toml, templates/, slides/, images/ and .cache/ all there."""
import json
import os
import shutil
import subprocess
import sys
import venv

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv (seeing this machine's libraries, so nothing is downloaded) with bdl_demo
    installed from a wheel of this checkout."""
    root = tmp_path_factory.mktemp("install")
    environment = root / "venv"
    venv.create(environment, system_site_packages=True, with_pip=True)
    python = environment / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--quiet",
                           str(ROOT)], capture_output=True, text=True, env=clean_env())
    assert done.returncode == 0, done.stderr
    return root, environment


def clean_env() -> dict:
    """The environment without anything that points Python at this checkout."""
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "BDL_DEMO_CACHE")}


def test_the_installed_command_builds_the_deck_of_the_working_folder(installed):
    root, environment = installed
    where = subprocess.run([str(environment / "bin" / "python"), "-c", "import bdl_demo; print(bdl_demo.__file__)"],
                           capture_output=True, text=True, env=clean_env(), cwd=root)
    assert str(environment) in where.stdout and str(ROOT) not in where.stdout  # the installed copy
    talk = root / "talk"
    talk.mkdir()
    shutil.copy(ROOT / "deck.toml", talk / "deck.toml")
    shutil.copytree(ROOT / "templates", talk / "templates")
    from bdl_demo.settings.reading import load_settings

    linear = next(m.id for m in load_settings(talk / "deck.toml").models.values() if not m.hidden)  # a quick one
    command = [str(environment / "bin" / "bdl-demo"), "--quality", "draft", "--only", linear, "--notebook"]
    first = subprocess.run(command, cwd=talk, capture_output=True, text=True, env=clean_env(), timeout=900)
    assert first.returncode == 0, first.stderr
    assert (talk / "slides" / "index.html").is_file() and (talk / "slides" / ".bdl-demo-deck").is_file()
    assert list((talk / "images").glob(f"{linear}-*.svg")) and (talk / ".cache" / "fits").is_dir()
    assert json.loads((talk / "slides" / "report.json").read_text())["fits"].keys() == {linear}
    installed_package = next(environment.glob("lib/python*/site-packages"))
    assert not [p for p in installed_package.parent.rglob("*") if p.name in ("slides", "images", ".cache")]
    setup = next(cell for cell in json.loads((talk / "slides" / "deck.ipynb").read_text())["cells"]
                 if cell["cell_type"] == "code")
    assert 'project = Path("..")' in "".join(setup["source"])  # the notebook finds the folder it was built in
    again = subprocess.run(command, cwd=talk, capture_output=True, text=True, env=clean_env())
    assert again.returncode == 0 and "nothing changed" in again.stderr
