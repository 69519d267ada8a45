"""The distribution, its import packages and entry points."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points, packages_distributions


def test_top_level_packages_bot_and_index_come_only_from_geoqa():
    providers = packages_distributions()
    assert set(providers.get("bot", [])) == {"geoqa"}
    assert set(providers.get("index", [])) == {"geoqa"}


def test_geoqa_console_script_is_installed():
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("geoqa") == "bot.cli:main"


def test_index_package_never_imports_bot():
    code = (
        "import sys, index.cli, index.build, index.search, index.store;"
        "print(any(m == 'bot' or m.startswith('bot.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_python_dash_m_index_runs():
    out = subprocess.run(
        [sys.executable, "-m", "index", "--help"], capture_output=True, text=True, check=True
    )
    assert "build" in out.stdout and "stats" in out.stdout
