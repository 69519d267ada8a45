"""How a benchmark reports: its peak memory (and a child process's), and its result as JSON or
aligned lines."""

from __future__ import annotations

import json
import resource
import subprocess
import tempfile
import time


def peak_rss_mb() -> int:
    """This process's peak resident memory, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def rounded(value):
    """``value`` with every float (in dicts, at any depth) rounded to milliseconds."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return value


def show(result: dict, as_json: bool, width: int = 24) -> None:
    """Print ``result`` as one JSON object, or one ``key: value`` line per entry."""
    if as_json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>{width}}: {value}")


def run_measured(
    cmd: list[str], env: dict[str, str] | None = None, cwd=None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process from launch to exit, failing unless it
    succeeds. The peak comes from GNU time, which forks the process itself: a process forked
    from this one would start its peak from this process's RSS (Linux carries the parent's
    high-water mark across exec), which a large benchmark would inflate."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", report.name, *cmd],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-1000:]}")
        return seconds, int(report.read().split()[-1]) / 1024
