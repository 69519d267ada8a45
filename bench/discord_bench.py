"""50 simultaneous /ask interactions against the real bot on the loopback Discord stand-in.

    .venv/bin/python bench/discord_bench.py [--questions 50] [--no-log] [--json]

Reports, per interaction, the time from dispatch to the acknowledgement Discord requires within
3 s (the deferred callback), the time to the answer, answers per second, and the largest
event-loop lag seen while everything ran (a 10 ms ticker on the bot's loop). As in production,
every question is written to a question log (and each answer starts a thread) unless --no-log.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from output import peak_rss_mb, show  # noqa: E402

from bot.discord.client import GeoqaBot  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.questionlog import QuestionLog  # noqa: E402
from bot.settings import DiscordConfig  # noqa: E402
from index.build.builder import build_index  # noqa: E402
from index.embedders.torch_model import TorchEmbedder  # noqa: E402
from tests.support.discord import DiscordStandIn, running_client  # noqa: E402

QUESTIONS = [
    "Who is in the AI Alliance Network?",
    "How much could AI add to Russia's GDP by 2030?",
    "How far behind the U.S. and China is Russia in AI?",
    "Who did Trump appoint as White House AI and Crypto Czar?",
    "What is the capital of Australia?",
]


async def lag_monitor(stop: asyncio.Event, tick: float = 0.01) -> float:
    """The largest delay, beyond ``tick``, between a sleep's end and the task resuming."""
    worst = 0.0
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(tick)
        worst = max(worst, time.perf_counter() - start - tick)
    return worst


async def one(server: DiscordStandIn, payload: dict, sent: float) -> tuple[float, float]:
    token = payload["token"]
    callback = server.wait_for_request("POST", rf"/interactions/\d+/{token}/callback", timeout=120)
    answer = server.wait_for_request("POST", rf"/webhooks/\d+/{token}", timeout=300)
    await callback
    acked = time.perf_counter() - sent
    await answer
    return acked, time.perf_counter() - sent


async def scenario(engine: Engine, n: int, concurrency: int, questions=None) -> dict:
    async with DiscordStandIn() as server:
        config = DiscordConfig(
            token=server.token,
            guild_id=server.guild_id,
            cooldown_s=0,
            concurrency=concurrency,
            admin_role_ids=frozenset(),
            admin_user_ids=frozenset(),
        )
        bot = GeoqaBot(engine, config, questions=questions, guild_ready_timeout=0.05)
        async with running_client(bot, server.token, timeout=30):
            stop = asyncio.Event()
            monitor = asyncio.create_task(lag_monitor(stop))
            payloads = [
                server.slash_command_interaction(
                    "ask", {"question": f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"}
                )
                for i in range(n)
            ]
            started = time.perf_counter()
            waits = []
            for payload in payloads:
                sent = time.perf_counter()
                waits.append(asyncio.create_task(one(server, payload, sent)))
                await server.dispatch("INTERACTION_CREATE", payload)
            results = await asyncio.gather(*waits)
            elapsed = time.perf_counter() - started
            stop.set()
            worst_lag = await monitor
    acks = [a for a, _ in results]
    answers = [b for _, b in results]
    return {
        "interactions": n,
        "concurrency": concurrency,
        "question_log": questions is not None,
        "ack_max_s": round(max(acks), 3),
        "ack_p50_s": round(statistics.median(acks), 3),
        "all_acked_within_3s": max(acks) < 3.0,
        "answer_p50_s": round(statistics.median(answers), 2),
        "answer_max_s": round(max(answers), 2),
        "answers_per_s": round(n / elapsed, 2),
        "max_loop_lag_ms": round(worst_lag * 1000, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--no-log", action="store_true", help="Run without a question log.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    embedder = TorchEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        build_index(REPO / "corpus", Path(tmp), embedder)
        engine = Engine(REPO / "corpus", Path(tmp), embedder)
        engine.qa()
        questions = None if args.no_log else QuestionLog.beside(Path(tmp))
        result = asyncio.run(scenario(engine, args.questions, args.concurrency, questions))
    show(result, args.json, width=20)


if __name__ == "__main__":
    main()
