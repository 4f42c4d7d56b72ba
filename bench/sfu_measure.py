"""What ``python -m bench sfu`` counts: every peer's packets and frames, both processes' CPU
time and unread UDP datagrams, at one moment (``count``); the difference of two such moments
is the measured window."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.server import process_cpu_seconds
from bench.sfu_peers import Publisher, Subscriber


def udp_drops(pid: int) -> int:
    """Datagrams the kernel dropped because this process's UDP sockets were full: it did
    not read them in time (the ``drops`` column of /proc/net/udp, proc(5))."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            link = os.readlink(fd)
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    drops = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                drops += int(fields[12])
    return drops


@dataclass
class Counts:
    """At one moment, or (the difference of two) over a window."""

    seconds: float  # monotonic time, or the window's length
    server_cpu_s: float
    load_cpu_s: float  # this process's: the load generator's
    drops: tuple[int, int]  # UDP datagrams dropped unread: the server's, the load generator's
    packets: list[dict[str, int]]  # received by each subscriber, by track id
    frames: list[dict[str, int]]  # decoded by each subscriber, by track id
    sent: tuple[int, int, int]  # all publishers' video: payload bytes, packets, frames
    publishers: int

    def __sub__(self, old: Counts) -> Counts:
        def delta(new: dict[str, int], old: dict[str, int]) -> dict[str, int]:
            return {k: v - old.get(k, 0) for k, v in new.items()}

        return Counts(
            self.seconds - old.seconds, self.server_cpu_s - old.server_cpu_s,
            self.load_cpu_s - old.load_cpu_s,
            (self.drops[0] - old.drops[0], self.drops[1] - old.drops[1]),
            [delta(n, o) for n, o in zip(self.packets, old.packets, strict=True)],
            [delta(n, o) for n, o in zip(self.frames, old.frames, strict=True)],
            (self.sent[0] - old.sent[0], self.sent[1] - old.sent[1],
             self.sent[2] - old.sent[2]), self.publishers,
        )  # fmt: skip

    @property
    def forwarded(self) -> int:
        """Packets the subscribers received: what the server forwarded, less any lost."""
        return sum(sum(counts.values()) for counts in self.packets)

    def fps(self, subscriber: int, track_id: str | None = None) -> float:
        """A subscriber's decoded frames per second, of one track or of all."""
        frames = self.frames[subscriber]
        count = frames.get(track_id, 0) if track_id else sum(frames.values())
        return count / self.seconds

    def figures(self) -> dict[str, Any]:
        """The cost, the load, and whether this machine kept up with it."""
        forwarded, (sent_bytes, sent_packets, frames) = self.forwarded, self.sent
        return {
            "forwarded_packets": forwarded,
            "server_cpu_s": round(self.server_cpu_s, 2),
            "us_per_packet": round(self.server_cpu_s / forwarded * 1e6, 1) if forwarded else None,
            "camera_fps": round(frames / self.seconds / self.publishers, 1),
            "video_kbps": round(sent_bytes * 8 / self.seconds / self.publishers / 1000, 1),
            "packets_per_frame": round(sent_packets / frames, 2) if frames else None,
            "load_cpu_s": round(self.load_cpu_s, 2),
            "server_udp_drops": self.drops[0],
            "load_udp_drops": self.drops[1],
        }


async def count(pid: int, subscribers: list[Subscriber], publishers: list[Publisher]) -> Counts:
    """Now: the server's (``pid``) and this process's counters."""
    packets = [await s.packets() for s in subscribers]
    sent = [await p.video_sent() for p in publishers]
    bytes_, packets_sent, frames = (sum(column) for column in zip(*sent, strict=True))
    return Counts(
        time.monotonic(), process_cpu_seconds(pid), process_cpu_seconds(os.getpid()),
        (udp_drops(pid), udp_drops(os.getpid())), packets, [dict(s.frames) for s in subscribers],
        (bytes_, packets_sent, frames), len(publishers),
    )  # fmt: skip


def overloaded(figures: dict[str, Any]) -> str | None:
    """A warning when a process could not read what it was sent: the frame rates and losses
    then say more about this machine than about the forwarding."""
    if not figures["load_udp_drops"] and not figures["server_udp_drops"]:
        return None
    server, load = figures["server_udp_drops"], figures["load_udp_drops"]
    return (f"  warning: packets dropped unread by the server ({server}) and by the load "
            f"generator ({load}): a process was too slow for this load")  # fmt: skip
