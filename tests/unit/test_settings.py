"""Every setting geoqa reads is documented in .env.example and the README."""

from __future__ import annotations

import re

from bot.settings import ALL_SETTINGS
from index.settings import IndexConfig
from tests.support.paths import REPO


def all_settings():
    return list(ALL_SETTINGS)


def test_every_setting_is_in_env_example_with_its_default():
    example = (REPO / ".env.example").read_text()
    documented = dict(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", example, flags=re.M))
    for setting in all_settings():
        assert setting.name in documented, setting.name
        assert documented[setting.name].strip() == setting.default, setting.name


def test_env_example_documents_nothing_that_does_not_exist():
    example = (REPO / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.M))
    assert documented == {s.name for s in all_settings()}


def test_every_setting_is_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for setting in all_settings():
        assert f"`{setting.name}`" in readme, setting.name


def test_environment_overrides_defaults():
    config = IndexConfig.from_env({"GEOQA_INDEX_DIR": "/tmp/x", "GEOQA_THREADS": "2"})
    assert str(config.index_dir) == "/tmp/x" and config.threads == 2
    assert str(config.corpus_dir) == "corpus"
