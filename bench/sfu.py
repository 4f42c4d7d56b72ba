"""``python -m bench sfu``: the selective forwarding unit under load, two ways.

- ``--subscribers K``: one publisher's camera (640×480, 30 fps) and microphone to K
  subscribers (``--compare``: the same load through aiortc's own relay as well).
- ``--class N``: a class of N, everyone publishing a gallery-tile camera and a microphone and
  watching one gallery page (bench/sfu_class.py).

A real server in its own process; the peers are aiortc peers in this process, signalling over
the class socket like a browser (bench/sfu_peers.py). The camera is ``--source pattern`` (a
camera-like picture: several packets per frame) or ``flat`` (aiortc's blank frame: about one
packet per frame). ``--observers`` subscribers decode what they receive; the others only count
packets, so that one process can receive for many.

Figures: server CPU microseconds per forwarded RTP packet (the forwarding unit's cost); the
cameras' bitrate and packets per frame (the load); the observers' slowest frame rate; decode
errors; the time from subscribing to the first frame (a keyframe; counting subscribers: its
first packet); ``load_cpu_s``, the load generator's own CPU time; and UDP datagrams each
process dropped unread (``server_udp_drops``, ``load_udp_drops``): if any, a process could not
keep up, and the frame rates show this machine's limit rather than the forwarding's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
from aiortc import AudioStreamTrack

from bench import sfu_class
from bench.classroom import enrol_participants
from bench.http import percentile
from bench.server import free_port, running_server
from bench.sfu_measure import Counts, count, overloaded
from bench.sfu_peers import (
    Camera,
    DecodeErrors,
    HttpSignalling,
    Publisher,
    Signalling,
    SocketSignalling,
    Subscriber,
    cap_video_bitrate,
    connect,
    loopback_only,
)

describe = "SFU load: one publisher to K subscribers, or a class of N with a gallery"
GOAL = {"us_per_packet": 20, "decode_errors": 0, "first_keyframe_p95_ms": 500}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subscribers", type=int, default=10, help="one publisher to these")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured forwarding time")
    parser.add_argument("--codec", choices=["VP8", "H264"], default="VP8")
    parser.add_argument(
        "--source",
        choices=["pattern", "flat"],
        default="pattern",
        help="camera: a camera-like picture, or aiortc's blank frame",
    )
    parser.add_argument(
        "--video-kbps",
        type=int,
        default=None,
        help="the cameras' encoder target (default: aiortc's own, from 0.5 to "
        "1.5 Mbps with the server's REMB; a class: 150)",
    )
    parser.add_argument("--observers", type=int, default=3,
                        help="subscribers that decode (3); the others count packets")  # fmt: skip
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--compare", action="store_true", help="also run aiortc's MediaRelay on the same load"
    )
    sfu_class.add_arguments(parser.add_argument_group("a class (--class N)"))


async def measure(
    publisher_signalling: Signalling,
    subscriber_signalling: list[Signalling],
    args: argparse.Namespace,
    pid: int,
) -> tuple[Counts, list[float]]:
    """Publish, subscribe everyone, then count what is forwarded over ``args.seconds``;
    the window, and each subscriber's time to its first frame (ms)."""
    publisher = Publisher(publisher_signalling, Camera(args.source), AudioStreamTrack())
    await publisher.publish(args.codec)
    subscribers = [Subscriber(s, decode=i < args.observers)
                   for i, s in enumerate(subscriber_signalling)]  # fmt: skip
    try:
        await asyncio.gather(*(s.subscribe() for s in subscribers))
        with contextlib.suppress(TimeoutError):  # a subscriber with no frame is reported
            await asyncio.wait_for(asyncio.gather(*(s.first_frame.wait() for s in subscribers)), 20)
        print(f"  measuring for {args.seconds:.0f} s", flush=True)  # for a profiler to start
        before = await count(pid, subscribers, [publisher])
        await asyncio.sleep(args.seconds)
        window = await count(pid, subscribers, [publisher]) - before
        return window, [min(s.first.values()) * 1000 for s in subscribers if s.first]
    finally:
        for s in subscribers:
            await s.close()
        await publisher.close()
        await publisher_signalling.close()


@contextlib.asynccontextmanager
async def baseline_server() -> AsyncIterator[tuple[str, int]]:
    """aiortc's MediaRelay behind bench/aiortc_relay.py, in its own process."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.aiortc_relay", "--port", str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):  # up to about 30 s for the process to listen
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.post(base + "/subscribe", json={}):
                        break
                await asyncio.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        await proc.wait()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    # aiortc encodes in the loop's default executor. With several threads encoding, they keep
    # taking the GIL from the event loop, which then reads its sockets too late, and the kernel
    # drops what the server sent (in a class of 30, most of it). One thread encodes 30 cameras.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=1))
    errors = DecodeErrors()
    logging.getLogger("aiortc").addHandler(errors)
    env = loopback_only()
    if args.class_size:
        return {**await sfu_class.run(args, env, errors), "goal": GOAL}
    print(f"bench sfu: 1 publisher ({args.codec} {args.source} camera + Opus) to "
          f"{args.subscribers} subscribers, {args.observers} decoding")  # fmt: skip
    if args.video_kbps:
        cap_video_bitrate(args.video_kbps)
    async with running_server(args.database_url, env) as server:
        secret = (server.var_dir / "secret_key").read_bytes().strip()
        tokens = await enrol_participants(server.database_url, secret, args.subscribers + 1)
        sockets = [(await connect(server.base_url, t, n))[0] for n, t in enumerate(tokens)]
        sfu, first = await measure(SocketSignalling(sockets[0]),
                                   [SocketSignalling(s) for s in sockets[1:]],
                                   args, server.pid)  # fmt: skip
    baseline: Counts | None = None
    if args.compare:
        print("  the same load through aiortc's MediaRelay (decode once, encode per subscriber)")
        async with baseline_server() as (base, pid), aiohttp.ClientSession() as session:
            http = [HttpSignalling(session, base) for _ in range(args.subscribers + 1)]
            baseline, _ = await measure(http[0], list(http[1:]), args, pid)
    observers = range(min(args.observers, args.subscribers))
    fps = [sfu.fps(i) for i in observers]
    relay_fps = [baseline.fps(i) for i in observers] if baseline else []
    figures = {
        "bench": "sfu",
        "subscribers": args.subscribers,
        "observers": len(observers),
        "codec": args.codec,
        "source": args.source,
        "seconds": args.seconds,
        **sfu.figures(),
        "subscriber_fps_min": round(min(fps), 1) if fps else None,
        "subscriber_fps_mean": round(sum(fps) / len(fps), 1) if fps else None,
        "decode_errors": errors.count,
        "first_keyframe_p95_ms": round(percentile(first, 0.95), 1) if first else None,
        "no_first_frame": args.subscribers - len(first),
    }
    sfu_us = figures["us_per_packet"]
    relay_us = baseline.figures()["us_per_packet"] if baseline else None
    figures |= {
        "relay_us_per_packet": relay_us,
        "relay_fps_min": round(min(relay_fps), 1) if relay_fps else None,
        "relay_ratio": round(relay_us / sfu_us, 2) if relay_us and sfu_us else None,
        "goal": GOAL,
    }
    print(f"  the camera: {figures['video_kbps']} kbps, {figures['packets_per_frame']} packets "
          f"per frame, {figures['camera_fps']} frames a second")  # fmt: skip
    print(f"  forwarded {figures['forwarded_packets']} packets in {args.seconds:.0f} s on "
          f"{figures['server_cpu_s']:.2f} server CPU s: {sfu_us} µs per packet; slowest "
          f"observer {figures['subscriber_fps_min']} fps; {errors.count} decode errors; "
          f"first frame p95 {figures['first_keyframe_p95_ms']} ms")  # fmt: skip
    if baseline is not None:
        print(f"  aiortc relay: {relay_us} µs per packet, slowest observer "
              f"{figures['relay_fps_min']} fps; ratio {figures['relay_ratio']}")  # fmt: skip
    if warning := overloaded(figures):
        print(warning)
    return figures
