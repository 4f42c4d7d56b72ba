"""Live state in Redis: shared by every node of a scaled deployment.

Leases and rate limits are Lua scripts, so each decision is one atomic round trip; times
are passed in from the app's clock (nodes keep NTP time), and every key also gets a Redis
TTL so nothing outlives its use.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from server.core.clock import Clock
from server.core.live.base import RateDecision, Subscription

LEASE_ACQUIRE = """
local cur = redis.call('GET', KEYS[1])
if cur then
  local owner, expires = string.match(cur, '^(.*)|([^|]*)$')
  if owner ~= ARGV[1] and tonumber(expires) > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 1
"""

LEASE_RELEASE = """
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local owner, expires = string.match(cur, '^(.*)|([^|]*)$')
if owner ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if tonumber(expires) > tonumber(ARGV[2]) then return 1 end
return 0
"""

PRESENCE_SET = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
local merged = {}
if old then merged = cjson.decode(old) end
for k, v in pairs(cjson.decode(ARGV[2])) do merged[k] = v end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(merged))
if old then return 0 end
return 1
"""

GCRA = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local interval = period / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, tostring(allow_at - now), 0}
end
if ARGV[4] == '1' then
  redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
end
return {1, '0', math.floor((period - (new_tat - now)) / interval + 1e-9)}
"""

#: connections to Redis per node, and how long a call waits for one when all are busy
REDIS_POOL_CONNECTIONS = 100
REDIS_POOL_WAIT_S = 10.0
#: how long a command may wait for Redis before the caller is told it is unavailable
COMMAND_TIMEOUT_S = 2.0

#: a Redis key outlives its lease by this much, so a clock step never deletes a live lease
LEASE_KEY_MARGIN_MS = 5_000


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class _PubSubSubscription:
    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for message in self._pubsub.listen():
            if message["type"] == "message":
                yield cast(bytes, message["data"])


class RedisLiveState:
    backend = "redis"

    def __init__(self, url: str, clock: Clock, *, prefix: str = "baeum") -> None:
        # redis-py 8 caps a pool at 100 connections and *raises* beyond them: a class of
        # 100 voting at once hit it. Past the cap, a call waits for a free connection instead.
        # A command that gets no answer within COMMAND_TIMEOUT_S (Redis stalled) fails, so
        # the caller is told 'unavailable' instead of waiting on; one retry reconnects after
        # a restart. Subscriptions wait on quiet channels, so they get a client without one.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=REDIS_POOL_CONNECTIONS, timeout=REDIS_POOL_WAIT_S,
            socket_timeout=COMMAND_TIMEOUT_S, retry=Retry(NoBackoff(), 1),
        )  # fmt: skip
        self._redis: aioredis.Redis = aioredis.Redis.from_pool(pool)
        self._subscriber: aioredis.Redis = aioredis.Redis.from_url(url)
        self._clock = clock
        self._prefix = prefix
        self._lease_acquire = self._redis.register_script(LEASE_ACQUIRE)
        self._lease_release = self._redis.register_script(LEASE_RELEASE)
        self._gcra = self._redis.register_script(GCRA)
        self._presence_set = self._redis.register_script(PRESENCE_SET)

    def _key(self, kind: str, name: str) -> str:
        return f"{self._prefix}:{kind}:{name}"

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (aioredis.RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()
        await self._subscriber.aclose()

    async def presence_set(self, space: str, member: str, fields: dict[str, str]) -> bool:
        args = [member, json.dumps(fields)]
        return bool(await self._presence_set(keys=[self._key("presence", space)], args=args))

    async def presence_add(self, space: str, member: str, fields: dict[str, str]) -> bool:
        key = self._key("presence", space)
        return bool(await self._redis.hsetnx(key, member, json.dumps(fields)))

    async def presence_remove(self, space: str, member: str) -> bool:
        return bool(await self._redis.hdel(self._key("presence", space), member))

    async def presence_members(self, space: str) -> dict[str, dict[str, str]]:
        raw = await self._redis.hgetall(self._key("presence", space))
        return {_text(m): json.loads(v) for m, v in raw.items()}

    async def presence_get(self, space: str, member: str) -> dict[str, str] | None:
        raw = await self._redis.hget(self._key("presence", space), member)
        return json.loads(raw) if raw is not None else None

    async def presence_count(self, space: str) -> int:
        return int(await self._redis.hlen(self._key("presence", space)))

    async def incr(self, key: str, amount: int = 1) -> int:
        return int(await self._redis.incrby(self._key("counter", key), amount))

    async def counter(self, key: str) -> int:
        value = await self._redis.get(self._key("counter", key))
        return int(value) if value is not None else 0

    async def lease_acquire(self, name: str, owner: str, ttl_s: float) -> bool:
        now = self._now()
        key_ttl_ms = int(ttl_s * 1000) + LEASE_KEY_MARGIN_MS
        args: list[Any] = [owner, repr(now), repr(now + ttl_s), key_ttl_ms]
        return bool(await self._lease_acquire(keys=[self._key("lease", name)], args=args))

    async def lease_release(self, name: str, owner: str) -> bool:
        args: list[Any] = [owner, repr(self._now())]
        return bool(await self._lease_release(keys=[self._key("lease", name)], args=args))

    async def lease_owner(self, name: str) -> str | None:
        raw = await self._redis.get(self._key("lease", name))
        if raw is None:
            return None
        owner, _, expires = _text(raw).rpartition("|")
        return owner if float(expires) > self._now() else None

    async def publish(self, channel: str, message: bytes) -> int:
        return int(await self._redis.publish(self._key("channel", channel), message))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        pubsub = self._subscriber.pubsub()
        try:
            await pubsub.subscribe(self._key("channel", channel))
            while True:  # wait for Redis to confirm, so a publish after this is seen
                reply = await pubsub.get_message(timeout=5.0)
                if reply is not None and reply["type"] == "subscribe":
                    break
            yield _PubSubSubscription(pubsub)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def rate_limit(
        self, key: str, limit: int, period_s: float, *, consume: bool = True
    ) -> RateDecision:
        args: list[Any] = [repr(self._now()), limit, repr(period_s), int(consume)]
        allowed, retry, remaining = await self._gcra(keys=[self._key("rate", key)], args=args)
        return RateDecision(bool(allowed), float(retry), int(remaining))

    async def rate_reset(self, key: str) -> None:
        await self._redis.delete(self._key("rate", key))
