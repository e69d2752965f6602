"""Talking to a bot over the REST channel: one message (blocking or asyncio), whole conversations
several at a time, and the machine-readable `meta` of its replies."""
from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any


def post_message_sync(url: str, sender: str, message: str, timeout: float = 30) -> list[dict]:
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps({"sender": sender, "message": message}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def reply_meta(replies: list[dict]) -> dict | None:
    """The machine-readable `meta` of a turn (the last one when the bot sent several), or None."""
    found = None
    for reply in replies or []:
        custom = reply.get("custom") if isinstance(reply, dict) else None
        if isinstance(custom, dict) and isinstance(custom.get("meta"), dict):
            found = custom["meta"]
    return found


def reply_text(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies or [] if isinstance(r, dict) and r.get("text"))


async def post_message(session, url: str, sender: str, message: str, timeout: float = 30) -> list[dict]:
    import aiohttp

    async with session.post(url, json={"sender": sender, "message": message},
                            timeout=aiohttp.ClientTimeout(total=timeout)) as response:
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {(await response.text())[:200]}")
        return await response.json(content_type=None)


async def run_conversations(url: str, conversations: list[list[str]], concurrency: int = 4,
                            timeout: float = 60) -> list[list[dict[str, Any]]]:
    """Send each conversation (a list of messages, one fresh sender per conversation) through the bot,
    `concurrency` conversations at a time. Returns per message {message, replies, meta, error}."""
    import aiohttp

    results: list[list[dict[str, Any]]] = [[] for _ in conversations]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(conversations)):
        queue.put_nowait(index)
    run_id = uuid.uuid4().hex[:8]

    async def worker(session):
        while not queue.empty():
            index = queue.get_nowait()
            sender = f"eval-{run_id}-{index}"
            for message in conversations[index]:
                entry: dict[str, Any] = {"message": message, "replies": [], "meta": None, "error": None}
                try:
                    entry["replies"] = await post_message(session, url, sender, message, timeout)
                    entry["meta"] = reply_meta(entry["replies"])
                except Exception as error:  # noqa: BLE001 - every failure is recorded, not raised
                    entry["error"] = f"{error.__class__.__name__}: {error}"
                results[index].append(entry)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return results
