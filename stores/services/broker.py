"""The Celery broker (Redis), as the runs see it: is it there, who listens, what is still queued.

Starting a run when Redis is down used to leave a "running" run with nothing queued; now callers
ask `check_broker()` first, which answers within BROKER_CHECK_TIMEOUT seconds, and say so in one
line (BrokerUnavailable.explain).
"""

from __future__ import annotations

import base64
import json

import redis
from kombu.utils.url import maybe_sanitize_url

from sandbox.celery import app

BROKER_CHECK_TIMEOUT = 1.0  # seconds to connect, and again to read the answer (a LAN answers in ms)
CHUNK_TASK = "stores.tasks.simulate_chunk"


class BrokerUnavailable(Exception):
    """Nothing can be queued: the broker does not answer."""

    def __init__(self, url: str, reason: object = None) -> None:
        self.url = maybe_sanitize_url(url)  # never print a password
        self.reason = reason
        super().__init__(self.explain())

    def explain(self, alternative: str = "") -> str:
        """One line for a person: what is wrong, how to fix it, and `alternative` (e.g. "or use
        --in-process") when the caller has one."""
        fix = "Start everything with `make run`" + (f", {alternative}" if alternative else "")
        return f"Cannot reach Redis at {self.url}: is it running? {fix}."


def broker_url() -> str:
    """The URL the Celery app publishes to (settings.CELERY_BROKER_URL, unless a test moved it)."""
    return app.conf.broker_url


def check_broker(timeout: float = BROKER_CHECK_TIMEOUT) -> None:
    """Raise BrokerUnavailable unless the broker answers a PING within `timeout` seconds.

    Redis's own client with short timeouts and no retries: publishing through Celery would retry
    and, on a host that drops packets, wait for the operating system's connect timeout.
    """
    url = broker_url()
    client = redis.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=None
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        raise BrokerUnavailable(url, exc) from exc
    finally:
        client.close()


def workers_answering(timeout: float = 1.0) -> list[str]:
    """Names of the Celery workers that answer a ping within `timeout` seconds.

    A worker busy on a task in the solo pool answers only between tasks: an empty list means
    "none answered", not "none exists" (chunk heartbeats tell the rest).
    """
    try:
        replies = app.control.ping(timeout=timeout) or []
    except Exception:  # any broker trouble means nobody answered
        return []
    return sorted(name for reply in replies for name in reply)


def queued_chunk_ids() -> set[int]:
    """The chunks with a message waiting in the queue (not yet taken by any worker).

    Reads the Redis list behind Celery's default queue; chunk messages carry no priority, so
    they are all in that one list. Messages a worker has taken (running, or held by a worker that
    died) are not there.
    """
    queue = app.conf.task_default_queue
    with app.connection_for_read() as connection:
        raw = connection.default_channel.client.lrange(queue, 0, -1)
    ids = set()
    for item in raw:
        try:
            message = json.loads(item)
            if message.get("headers", {}).get("task") != CHUNK_TASK:
                continue
            body = message["body"]
            if message.get("properties", {}).get("body_encoding") == "base64":
                body = base64.b64decode(body)
            args = json.loads(body)[0]
            ids.add(int(args[0]))
        except (ValueError, KeyError, IndexError, TypeError):
            continue  # not a message of ours: someone else's, or another format
    return ids
