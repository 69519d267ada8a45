"""Shared fixtures: the real model (loaded once per session) and a small index built once.

Tests that change a corpus or an index work on copies (``corpus_copy``, ``index_copy``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.build import build_index  # noqa: E402
from index.embedding import Embedder  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CORPUS = REPO / "corpus"
FIXTURE_ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"
SEED_ID = "2024-12-12-russia-brics-ai-alliance-network"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real packaged all-MiniLM-L6-v2, loaded once for the whole session."""
    model = Embedder()
    model.model  # noqa: B018 - load now, once
    return model


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """The shipped corpus plus the test fixture articles (read-only: copy before changing)."""
    folder = tmp_path_factory.mktemp("corpus")
    for source in (SHIPPED_CORPUS, FIXTURE_ARTICLES):
        for path in source.iterdir():
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, embedder, corpus_dir) -> Path:
    """An index of ``corpus_dir`` built once (read-only: use ``index_copy`` to change it)."""
    folder = tmp_path_factory.mktemp("index")
    build_index(corpus_dir, folder, embedder)
    return folder


@pytest.fixture
def corpus_copy(corpus_dir, tmp_path) -> Path:
    """A private copy of the test corpus."""
    return Path(shutil.copytree(corpus_dir, tmp_path / "corpus"))


@pytest.fixture
def index_copy(index_dir, tmp_path) -> Path:
    """A private copy of the built index (its embedding cache included)."""
    return Path(shutil.copytree(index_dir, tmp_path / "index"))
