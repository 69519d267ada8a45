"""The distribution, its import packages and entry points, and the cost of importing them."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from importlib.metadata import entry_points, packages_distributions

import index
from tests.support.paths import REPO

HEAVY = ("faiss", "torch", "bm25s", "sentence_transformers")


def python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    return done.stdout.strip()


def test_top_level_packages_bot_and_index_come_only_from_geoqa():
    providers = packages_distributions()
    assert set(providers.get("bot", [])) == {"geoqa"}
    assert set(providers.get("index", [])) == {"geoqa"}


def test_geoqa_console_script_is_installed():
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("geoqa") == "bot.cli:main"


def test_index_package_never_imports_bot():
    modules = [m.name for m in pkgutil.walk_packages(index.__path__, "index.")]
    assert len(modules) > 30
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(any(m == 'bot' or m.startswith('bot.') for m in sys.modules))"
    )
    assert python(code) == "False"


def test_import_index_and_the_cli_stay_cheap():
    code = f"import sys, index, bot.cli\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    assert python(code) == "[]"


def test_every_public_name_of_index_resolves():
    for name in index.__all__:
        assert getattr(index, name) is not None, name


def test_python_dash_m_bot_runs_and_index_is_no_longer_a_command():
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0 and "index" in done.stdout and "ask" in done.stdout
    old = subprocess.run(
        [sys.executable, "-m", "index", "--help"], capture_output=True, text=True, cwd=REPO
    )
    assert old.returncode != 0
