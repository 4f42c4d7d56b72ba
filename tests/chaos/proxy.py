"""A small TCP proxy per participant: the load balancer in front of the nodes, and the
network between the phone and it.

New connections go to the participant's preferred node, or to the next one that accepts (as
nginx with sticky sessions does when a node dies). ``blackhole()`` stops forwarding in both
directions and keeps every socket open, the way a lost mobile network looks to both ends:
nothing arrives, nothing is closed. ``restore()`` forwards again (what TCP had buffered then
flows, like retransmissions after a short outage). Connections made during a blackhole hang
unanswered until it ends.
"""

from __future__ import annotations

import asyncio
import contextlib


class Proxy:
    def __init__(self, upstreams: list[int], preferred: int = 0) -> None:
        self.upstreams = upstreams  # node ports, shared with the cluster (a restart keeps them)
        self.preferred = preferred
        self.port = 0
        self.server: asyncio.Server | None = None
        self._open = asyncio.Event()
        self._open.set()
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.connected_to: int | None = None  # the node port of the newest connection

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    def blackhole(self) -> None:
        self._open.clear()

    def restore(self) -> None:
        self._open.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        await self._open.wait()
        upstream = await self._connect()
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream
        self._writers.add(up_writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        n = len(self.upstreams)
        for i in range(n):
            port = self.upstreams[(self.preferred + i) % n]
            try:
                connection = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            self.connected_to = port
            return connection
        return None

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await source.read(65536)
                if not data:
                    break
                await self._open.wait()  # a blackhole holds what was read, as the network does
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        self._open.set()
        for writer in self._writers:
            writer.close()
        for task in list(self._pipes):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._pipes, return_exceptions=True)
