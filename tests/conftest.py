"""Shared fixtures: the real model (loaded once per session, integration tests only) as the
default backend runs it (the int8 ONNX export) and as torch runs it, a fake embedder and a small
index built with each of the first and last, private copies to change, and a local web site.

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
from tests.support.paths import (  # noqa: E402
    CALIBRATION,
    FIXTURE_ARTICLES,
    REPO,
    SHIPPED_CORPUS,
    WRAPPED_ARTICLES,
)
from tests.support.site import FixtureSite  # noqa: E402

TESTS = Path(__file__).resolve().parent
REAL_MODEL_FIXTURES = {
    "embedder",
    "index_dir",
    "index_copy",
    "qa",
    "wrapped_qa",
    "onnx_dir",
    "torch_embedder",
}


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
def onnx_dir() -> Path:
    """The packaged model's int8 ONNX export in the checkout's default folder, exported now
    only if it is missing or stale (as `make setup` does): the folder `geoqa` run from the
    checkout loads by default, so subprocesses answer with the same vectors as the fixtures."""
    from index.embedders.onnx_export import export_is_current, export_onnx
    from index.settings import ONNX_DIR

    folder = REPO / ONNX_DIR.default
    if not export_is_current(folder):
        export_onnx(folder)
    return folder


@pytest.fixture(scope="session")
def embedder(onnx_dir):
    """The real packaged all-MiniLM-L6-v2 as geoqa runs it by default (the int8 ONNX export,
    onnxruntime), loaded once for the whole session."""
    from index.embedders.onnx_model import OnnxEmbedder

    model = OnnxEmbedder(onnx_dir)
    model.load()
    return model


@pytest.fixture(scope="session")
def torch_embedder():
    """The real packaged all-MiniLM-L6-v2 run by sentence-transformers (torch), loaded once, for
    the tests that compare the backends or are about torch."""
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
def wrapped_qa(tmp_path_factory, embedder):
    """The verifying QA engine over the seed article and a hard-wrapped fixture article."""
    from index import build_index
    from tests.support.verify import VerifyingQA

    corpus = tmp_path_factory.mktemp("wrapped-corpus")
    for source in (SHIPPED_CORPUS, WRAPPED_ARTICLES):
        for path in source.iterdir():
            shutil.copy(path, corpus / path.name)
    folder = tmp_path_factory.mktemp("wrapped-index")
    build_index(corpus, folder, embedder)
    return VerifyingQA.open(folder, embedder)


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
