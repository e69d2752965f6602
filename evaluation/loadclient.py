"""A small asyncio + aiohttp load client: plays scripted patient conversations over the REST channel.

Closed loop: each of `concurrency` virtual patients plays a whole conversation (a fresh sender id, one
message after the other, each sent when the previous reply has arrived, after `think_time` seconds),
then takes the next one, until `conversations` have been played. Latency is measured per message, from
sending the request to having read the whole reply.

(Locust would need its own virtualenv: it upgrades `packaging` past Rasa's pin.)
"""
from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evaluation.stats import percentile
from evaluation.training import EVALUATION_DIR

CONVERSATIONS = EVALUATION_DIR / "conversations.yml"


def load_conversations(path: Path = CONVERSATIONS) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    conversations = []
    for item in data["conversations"]:
        turns = [str(t) for t in item["turns"]]
        if not turns:
            raise ValueError(f"conversation {item.get('name')!r} has no turns")
        conversations.append({"name": item.get("name", f"conversation {len(conversations) + 1}"), "turns": turns})
    return conversations


@dataclass
class LevelResult:
    concurrency: int
    conversations: int = 0
    messages: int = 0
    errors: int = 0
    error_kinds: Counter = field(default_factory=Counter)
    empty_replies: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ok = self.latencies_ms
        return {
            "concurrency": self.concurrency,
            "conversations": self.conversations,
            "messages": self.messages,
            "errors": self.errors,
            "error_kinds": dict(self.error_kinds),
            "error_rate": self.errors / self.messages if self.messages else None,
            "empty_replies": self.empty_replies,
            "seconds": round(self.seconds, 3),
            "messages_per_second": self.messages / self.seconds if self.seconds else None,
            "latency_ms": {
                "p50": percentile(ok, 50), "p95": percentile(ok, 95), "p99": percentile(ok, 99),
                "max": max(ok) if ok else None, "mean": sum(ok) / len(ok) if ok else None,
                "min": min(ok) if ok else None,
            },
        }


async def run_level(url: str, scripts: list[dict[str, Any]], concurrency: int, conversations: int,
                    seed: int = 7, timeout: float = 30.0, think_time: float = 0.0) -> LevelResult:
    """Play `conversations` conversations, `concurrency` at a time; errors are counted, never raised."""
    import aiohttp

    order = random.Random(seed)
    plan = [scripts[order.randrange(len(scripts))]["turns"] for _ in range(conversations)]
    result = LevelResult(concurrency=concurrency)
    run_id = uuid.uuid4().hex[:8]
    next_index = 0

    async def patient(session: aiohttp.ClientSession) -> None:
        nonlocal next_index
        while next_index < len(plan):
            index = next_index
            next_index += 1
            sender = f"bench-{run_id}-{concurrency}-{index}"
            for message in plan[index]:
                if think_time:
                    await asyncio.sleep(think_time)
                started = time.perf_counter()
                try:
                    async with session.post(url, json={"sender": sender, "message": message},
                                            timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                        body = await response.read()
                        elapsed = (time.perf_counter() - started) * 1000
                        result.messages += 1
                        if response.status != 200:
                            result.errors += 1
                            result.error_kinds[f"HTTP {response.status}"] += 1
                            continue
                        result.latencies_ms.append(elapsed)
                        # The strict channel answers "briefly unavailable" (meta.unavailable) where Rasa
                        # produced no reply; both count as a turn without an answer.
                        if body.strip() in (b"[]", b"") or b'"unavailable": true' in body \
                                or b'"unavailable":true' in body:
                            result.empty_replies += 1
                except Exception as error:  # noqa: BLE001 - timeouts, refused connections: all counted
                    result.messages += 1
                    result.errors += 1
                    result.error_kinds[error.__class__.__name__] += 1
            result.conversations += 1

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(patient(session) for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


def play(url: str, scripts: list[dict[str, Any]], concurrency: int, conversations: int, **kwargs) -> LevelResult:
    return asyncio.run(run_level(url, scripts, concurrency, conversations, **kwargs))
