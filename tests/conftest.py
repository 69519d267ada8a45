"""Shared fixtures: the real model (loaded once per session, integration tests only), a fake
embedder and a small index built with each, private copies to change, and a local web site.

Tests under ``tests/integration`` are marked ``slow``; tests under ``tests/unit`` may not use
the real model (a fixture that loads it is refused there), so ``pytest tests/unit`` is fast.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tests.support.fake_embedder import FakeEmbedder  # noqa: E402
from tests.support.paths import CALIBRATION, FIXTURE_ARTICLES, SHIPPED_CORPUS  # noqa: E402
from tests.support.site import FixtureSite  # noqa: E402

TESTS = Path(__file__).resolve().parent
REAL_MODEL_FIXTURES = {"embedder", "index_dir", "index_copy", "qa"}


def pytest_collection_modifyitems(config, items) -> None:
    """Mark integration tests slow; refuse the real model in unit tests."""
    for item in items:
        folder = Path(str(item.fspath)).parent
        if folder == TESTS / "integration":
            item.add_marker(pytest.mark.slow)
        elif folder == TESTS / "unit":
            real = REAL_MODEL_FIXTURES.intersection(item.fixturenames)
            if real:
                raise pytest.UsageError(f"{item.nodeid} is a unit test but uses {sorted(real)}")


@pytest.fixture(scope="session")
def embedder():
    """The real packaged all-MiniLM-L6-v2, loaded once for the whole session."""
    from index.embedders.torch_model import TorchEmbedder

    model = TorchEmbedder()
    model.model  # noqa: B018 - load now, once
    return model


@pytest.fixture(scope="session")
def fake_embedder() -> FakeEmbedder:
    """A deterministic stand-in for the model, for tests not about embeddings or answers."""
    return FakeEmbedder()


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
    """An index of ``corpus_dir`` built once with the real model (read-only)."""
    from index import build_index

    folder = tmp_path_factory.mktemp("index")
    build_index(corpus_dir, folder, embedder)
    return folder


@pytest.fixture(scope="session")
def fake_index_dir(tmp_path_factory, fake_embedder, corpus_dir) -> Path:
    """An index of ``corpus_dir`` built once with the fake embedder (read-only)."""
    from index import build_index

    folder = tmp_path_factory.mktemp("fake-index")
    build_index(corpus_dir, folder, fake_embedder)
    return folder


@pytest.fixture
def corpus_copy(corpus_dir, tmp_path) -> Path:
    """A private copy of the test corpus."""
    return Path(shutil.copytree(corpus_dir, tmp_path / "corpus"))


@pytest.fixture
def index_copy(index_dir, tmp_path) -> Path:
    """A private copy of the real-model index (its embedding cache included)."""
    return Path(shutil.copytree(index_dir, tmp_path / "index"))


@pytest.fixture
def fake_index_copy(fake_index_dir, tmp_path) -> Path:
    """A private copy of the fake-embedder index (its embedding cache included)."""
    return Path(shutil.copytree(fake_index_dir, tmp_path / "fake-index"))


@pytest.fixture(scope="session")
def qa(index_dir, embedder):
    """The verifying QA engine over the real-model index (shared; it holds no per-question
    state)."""
    from tests.support.verify import VerifyingQA

    return VerifyingQA.open(index_dir, embedder)


@pytest.fixture(scope="session")
def calibration() -> dict:
    """The answerable / unanswerable question set."""
    return json.loads(CALIBRATION.read_text())


@pytest.fixture(scope="session")
def fixture_site() -> Iterator[FixtureSite]:
    """A local web server for fetching tests; tests add their own routes to it."""
    site = FixtureSite()
    site.start()
    yield site
    site.stop()
