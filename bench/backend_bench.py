"""The default backend (onnx-int8) against torch, side by side in one run (issue #13's goals).

    .venv/bin/python bench/backend_bench.py [--runs 5] [--articles 200] [--scifact DIR]
        [--rgb FILE] [--no-quality] [--json]

- Cold `geoqa ask`: the console script from launch to exit, answering one question over the
  shipped corpus indexed with each backend (`geoqa index build --backend B`); wall time and the
  process's peak RSS (from ``wait4``), medians of ``--runs``, the backends interleaved. Measured
  first, while this process is small: a child's peak RSS starts from its parent's at fork.
- Build throughput: ``build_index`` of a synthetic corpus (``--articles`` articles) into a fresh
  index with a loaded model, chunks per second, best of two interleaved rounds; and the whole
  `geoqa index build` process (model loading included) on the same corpus.
- Quality: `geoqa eval retrieval --beir SCIFACT --mode dense|hybrid` (nDCG@10) and `geoqa eval
  answers --rgb FILE` (accuracy), each backend with its own index folder under var/eval/.

Goals: cold ask <= 1.5 s and <= 250 MiB; build throughput >= 1.4x torch; nDCG@10 and RGB accuracy
within +-0.01 of torch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import run_measured  # noqa: E402
from synthetic import write_corpus  # noqa: E402

from index.build.builder import build_index  # noqa: E402
from index.embedders.onnx_export import export_is_current, export_onnx  # noqa: E402
from index.embedders.onnx_model import OnnxEmbedder  # noqa: E402
from index.embedders.torch_model import TorchEmbedder  # noqa: E402
from index.settings import ONNX_DIR  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SCIFACT = Path("/work/shared/bench/scifact")
RGB = Path("/work/shared/bench/rgb/en_fact.json")
EVAL_ROOT = REPO / "var" / "eval" / "backend-bench"
BACKENDS = ("torch", "onnx-int8")
QUESTION = "Who is in the AI Alliance Network?"
GOALS = {"ask_s": 1.5, "ask_mib": 250, "speedup": 1.4, "quality": 0.01}


def geoqa(*args: str) -> list[str]:
    """The console script (next to this Python) with arguments."""
    script = Path(sys.executable).parent / "geoqa"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "bot", *args]


def env_for(backend: str) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "GEOQA_EMBED_BACKEND": backend}


def timed_process(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process, from launch to exit."""
    return run_measured(cmd, env=env, cwd=REPO)


def cold_ask(runs: int, tmp: Path) -> dict:
    """Median wall time and peak RSS of `geoqa ask` per backend."""
    folders = {}
    for backend in BACKENDS:
        folders[backend] = tmp / f"ask-{backend}"
        build = geoqa("index", "build", "-i", str(folders[backend]), "--backend", backend)
        subprocess.run(build, env=env_for(backend), cwd=REPO, check=True, capture_output=True)
    seen: dict[str, list[tuple[float, float]]] = {b: [] for b in BACKENDS}
    for _ in range(runs):
        for backend in BACKENDS:
            cmd = geoqa("ask", QUESTION, "--index", str(folders[backend]))
            seen[backend].append(timed_process(cmd, env_for(backend)))
    return {
        backend: {
            "seconds": round(statistics.median(s for s, _ in values), 2),
            "peak_mib": round(statistics.median(m for _, m in values)),
            "runs": len(values),
        }
        for backend, values in seen.items()
    }


def throughput(articles: int, tmp: Path) -> dict:
    """Chunks per second of whole builds into fresh folders, per backend: `geoqa index build`
    processes, then ``build_index`` with loaded models."""
    corpus = tmp / "corpus"
    write_corpus(corpus, articles, seed=13)
    process = {}
    for name in BACKENDS:
        cmd = geoqa("index", "build", "-c", str(corpus), "-i", str(tmp / f"cli-{name}"))
        seconds, peak = timed_process([*cmd, "--backend", name], env_for(name))
        process[name] = {"seconds": round(seconds, 1), "peak_mib": round(peak)}
    embedders = {"torch": TorchEmbedder(), "onnx-int8": OnnxEmbedder(REPO / ONNX_DIR.default)}
    for embedder in embedders.values():
        embedder.encode(["warm-up text"])
    best = dict.fromkeys(embedders, 0.0)
    chunks = 0
    for round_ in range(2):
        for name, embedder in embedders.items():
            report = build_index(corpus, tmp / f"build-{name}-{round_}", embedder)
            chunks = report.chunks
            best[name] = max(best[name], report.chunks / report.seconds)
    return {
        "chunks": chunks,
        "chunks_per_s": {name: round(value, 1) for name, value in best.items()},
        "speedup": round(best["onnx-int8"] / best["torch"], 2),
        "geoqa_index_build": process,
    }


def cli_json(args: list[str], backend: str) -> dict:
    done = subprocess.run(
        geoqa(*args, "--json"), env=env_for(backend), cwd=REPO, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"geoqa {' '.join(args)} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def quality(scifact: Path, rgb: Path) -> dict:
    """SciFact nDCG@10 (dense, hybrid) and RGB accuracy per backend, with seconds taken."""
    found: dict = {}
    for backend in BACKENDS:
        row: dict = {}
        for mode in ("dense", "hybrid"):
            started = time.perf_counter()
            index = EVAL_ROOT / f"scifact-{backend}"
            args = ["eval", "retrieval", "--beir", str(scifact), "--mode", mode, "-i", str(index)]
            metrics = cli_json(args, backend)
            row[f"scifact_{mode}_ndcg10"] = metrics["ndcg_at_10"]
            row[f"scifact_{mode}_s"] = round(time.perf_counter() - started)
        started = time.perf_counter()
        answers = cli_json(
            ["eval", "answers", "--rgb", str(rgb), "-i", str(EVAL_ROOT / f"rgb-{backend}")], backend
        )
        row["rgb_accuracy"] = answers["accuracy"]
        row["rgb_refusal_rate"] = answers["refusal_rate"]
        row["rgb_verbatim_rate"] = answers["verbatim_rate"]
        row["rgb_s"] = round(time.perf_counter() - started)
        found[backend] = row
    return found


def verdict(result: dict) -> dict:
    ask = result["cold_ask"]["onnx-int8"]
    checks = {
        "ask_seconds_ok": ask["seconds"] <= GOALS["ask_s"],
        "ask_memory_ok": ask["peak_mib"] <= GOALS["ask_mib"],
        "speedup_ok": result["build"]["speedup"] >= GOALS["speedup"],
    }
    if "quality" in result:
        q = result["quality"]
        for key in ("scifact_dense_ndcg10", "scifact_hybrid_ndcg10", "rgb_accuracy"):
            diff = round(q["onnx-int8"][key] - q["torch"][key], 4)
            checks[f"{key}_diff"] = diff
            checks[f"{key}_ok"] = abs(diff) <= GOALS["quality"]
    return checks


def print_table(result: dict) -> None:
    ask, build = result["cold_ask"], result["build"]
    print(f"{'':30}{'torch':>12}{'onnx-int8':>12}")
    print(f"{'cold geoqa ask (s)':30}" + "".join(f"{ask[b]['seconds']:>12}" for b in BACKENDS))
    print(
        f"{'cold geoqa ask peak (MiB)':30}" + "".join(f"{ask[b]['peak_mib']:>12}" for b in BACKENDS)
    )
    rate = build["chunks_per_s"]
    print(f"{'build (chunks/s)':30}" + "".join(f"{rate[b]:>12}" for b in BACKENDS))
    whole = build["geoqa_index_build"]
    print(f"{'geoqa index build (s)':30}" + "".join(f"{whole[b]['seconds']:>12}" for b in BACKENDS))
    for key in ("scifact_dense_ndcg10", "scifact_hybrid_ndcg10", "rgb_accuracy"):
        if "quality" in result:
            q = result["quality"]
            print(f"{key:30}" + "".join(f"{q[b][key]:>12}" for b in BACKENDS))
    print("verdict:", json.dumps(result["verdict"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--scifact", type=Path, default=SCIFACT)
    parser.add_argument("--rgb", type=Path, default=RGB)
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    onnx_dir = REPO / ONNX_DIR.default
    if not export_is_current(onnx_dir):
        export_onnx(onnx_dir)
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="geoqa-backend-bench-") as tmp:
        result["cold_ask"] = cold_ask(args.runs, Path(tmp))
        result["build"] = throughput(args.articles, Path(tmp))
    if not args.no_quality:
        result["quality"] = quality(args.scifact, args.rgb)
    result["verdict"] = verdict(result)
    if args.json:
        print(json.dumps(result))
        return
    print_table(result)


if __name__ == "__main__":
    main()
