"""``python -m bench sfu --class N``: a class of N on one media node, with a gallery.

Everyone publishes a camera at gallery-tile size (``--tile``, ``--tile-fps``, the encoders
aiming at ``--video-kbps``, by default what the server's ``media_limits`` ask of a gallery
camera in a big class) and a microphone; the first ``--speakers`` hear a tone, the others
silence, and the server is set to forward that many voices (``BAEUM_AUDIO_SPEAKERS``).
Everyone subscribes and shows one gallery page (``media_view``, sent before answering the
server's offer): the first ``--gallery`` others, as on everyone's first page. The server
should forward each subscriber exactly those videos and the speakers' voices (less its own).

A small machine cannot decode N × gallery streams in the load generator: the last
``--observers`` participants decode everything they receive; the others count packets.

Figures, over the ``--seconds`` measured, besides bench/sfu.py's: ``subscriber_fps_min`` and
``_mean`` over the observers' shown tiles; ``first_keyframe_p95_ms`` over every subscriber's
shown tiles, from subscribing to the tile's first decoded frame (observers) or first packet
(the others: the server starts each copy at a keyframe), and ``no_first_frame``, the tiles
that never started; ``videos_received_per_subscriber`` (fewest, most) and
``unexpected_videos``, the subscribers whose received videos, or the server's answer to
``media_view``, were not exactly their page; ``audio_streams_forwarded``, the voices anyone
received, and ``unexpected_audio``, the subscribers who did not receive exactly the speakers'
voices less their own; ``video_stopped``, how many times the server stopped a subscriber's
video for packet loss (``media_degraded``) until the end of the measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass
from typing import Any

from aiortc import AudioStreamTrack

from bench.classroom import enrol_participants
from bench.http import percentile
from bench.server import RunningServer, running_server
from bench.sfu_measure import Counts, count, overloaded
from bench.sfu_peers import (
    Camera,
    DecodeErrors,
    DtxSilence,
    Publisher,
    SocketSignalling,
    Subscriber,
    Tone,
    cap_video_bitrate,
    connect,
)

FIRST_FRAME_TIMEOUT_S = 30.0
TILE_KBPS = 150  # what the server asks of a gallery camera in a class over 25 (media_limits)
SETTLE_S = 1.0  # after the first frames, before measuring (voices are chosen every 0.5 s)


def tile_size(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--class", dest="class_size", type=int, default=0, metavar="N",
                       help="a class of N instead of one publisher")  # fmt: skip
    group.add_argument("--gallery", type=int, default=9, help="videos on a page (9)")
    group.add_argument("--speakers", type=int, default=3, help="microphones hearing a tone (3)")
    group.add_argument("--tile", type=tile_size, default=(320, 180), help="camera (320x180)")
    group.add_argument("--tile-fps", type=int, default=15, help="camera frames a second (15)")
    group.add_argument(
        "--join-every",
        type=float,
        default=0.0,
        metavar="S",
        help="subscribe one participant every S seconds (default: all at once)",
    )
    group.add_argument("--dtx", action=argparse.BooleanOptionalAction, default=True,
                       help="silent microphones send a packet per 400 ms, as browsers do with "
                            "Opus DTX, which the server asks for (default: on)")  # fmt: skip


@dataclass
class Class:
    """Who is in the class (user ids, in joining order) and what each one shows and hears."""

    ids: list[int]
    gallery: int
    speakers: int

    def page(self, i: int) -> list[int]:
        return [u for u in self.ids if u != self.ids[i]][: self.gallery]

    def tiles(self) -> list[tuple[int, str]]:
        """(subscriber, video track id) of every shown tile."""
        return [(i, f"{u}-video") for i in range(len(self.ids)) for u in self.page(i)]

    def voices(self, i: int) -> set[str]:
        """The audio tracks subscriber ``i`` should receive: the speakers' but its own."""
        return {f"{u}-audio" for u in self.ids[: self.speakers] if u != self.ids[i]}


@dataclass
class Taken:
    """What one run of the class measured."""

    window: Counts
    subscribers: list[Subscriber]
    video_stopped: int


async def first_frames(subscribers: list[Subscriber], tiles: list[tuple[int, str]]) -> None:
    """Until every subscriber has a first frame of every shown tile, or the time-out."""
    deadline = time.monotonic() + FIRST_FRAME_TIMEOUT_S
    while time.monotonic() < deadline:
        if all(track_id in subscribers[i].first for i, track_id in tiles):
            return
        await asyncio.sleep(0.1)


async def join(subscribers: list[Subscriber], klass: Class, every_s: float) -> None:
    """Everyone subscribes with their page: all at once, or one every ``every_s`` seconds
    (a class filling up as people arrive; each one's first frames measured from its own
    subscribing)."""
    joining = []
    for i, subscriber in enumerate(subscribers):
        joining.append(asyncio.ensure_future(subscriber.subscribe(klass.page(i))))
        if every_s > 0:
            await asyncio.sleep(every_s)  # the arrivals' pace, not a wait for anything
    await asyncio.gather(*joining)


async def take_class(args: argparse.Namespace, server: RunningServer) -> tuple[Class, Taken]:
    """Join, publish, subscribe with a page each; measure ``args.seconds``; leave."""
    n, (width, height) = args.class_size, args.tile
    secret = (server.var_dir / "secret_key").read_bytes().strip()
    tokens = await enrol_participants(server.database_url, secret, n)
    people = [await connect(server.base_url, t, i) for i, t in enumerate(tokens)]
    signalling = [SocketSignalling(sio) for sio, _ in people]
    klass = Class([user_id for _, user_id in people], args.gallery, args.speakers)
    silence = DtxSilence if args.dtx else AudioStreamTrack
    publishers = [
        Publisher(s, Camera(args.source, width, height, args.tile_fps),
                  Tone() if i < args.speakers else silence())
        for i, s in enumerate(signalling)
    ]  # fmt: skip
    subscribers = [Subscriber(s, decode=i >= n - args.observers) for i, s in enumerate(signalling)]
    try:
        await asyncio.gather(*(p.publish(args.codec) for p in publishers))
        await join(subscribers, klass, args.join_every)
        await first_frames(subscribers, klass.tiles())
        await asyncio.sleep(SETTLE_S)
        print(f"  measuring for {args.seconds:.0f} s", flush=True)  # for a profiler to start
        before = await count(server.pid, subscribers, publishers)
        await asyncio.sleep(args.seconds)
        window = await count(server.pid, subscribers, publishers) - before
        stopped = sum(s.degraded for s in signalling)  # before leaving adds losses of its own
    finally:
        for subscriber in subscribers:
            await subscriber.close()  # and the socket
        for publisher in publishers:
            await publisher.close()
    return klass, Taken(window, subscribers, stopped)


def received(klass: Class, taken: Taken) -> tuple[dict[str, Any], list[str]]:
    """Whether each subscriber received the videos of its page and the speakers' voices;
    the figures, and the first subscriber that did not, if any (to print)."""
    videos, voices, unexpected_videos, unexpected_audio, wrong = [], set(), 0, 0, []
    for i, subscriber in enumerate(taken.subscribers):
        tracks = {t for t, packets in taken.window.packets[i].items() if packets > 0}
        video, audio = {t for t in tracks if t.endswith("-video")}, klass.voices(i)
        page = sorted(klass.page(i))
        videos.append(len(video))
        if video != {f"{u}-video" for u in page} or subscriber.video_of != page:
            unexpected_videos += 1
            wrong.append(f"user {klass.ids[i]} shows {page}, the server sends video of "
                         f"{subscriber.video_of}, it received {sorted(video)}")  # fmt: skip
        owners = subscriber.signalling.voices  # which voice each slot carries
        heard = {f"{owners.get(t)}-audio" if t.startswith("voice-") else t
                 for t in tracks - video}  # fmt: skip
        voices |= heard
        if heard != audio:
            unexpected_audio += 1
            wrong.append(f"user {klass.ids[i]} should hear {sorted(audio)}, it received "
                         f"{sorted(heard)}")  # fmt: skip
    figures = {
        "videos_received_per_subscriber": [min(videos), max(videos)],
        "unexpected_videos": unexpected_videos,
        "audio_streams_forwarded": len(voices),
        "unexpected_audio": unexpected_audio,
        "video_stopped": taken.video_stopped,
    }
    return figures, wrong[:2]


async def run(
    args: argparse.Namespace, env: dict[str, str], errors: DecodeErrors
) -> dict[str, Any]:
    n, gallery, speakers, observers = args.class_size, args.gallery, args.speakers, args.observers
    if not (0 < gallery < n and 0 < speakers <= n and 0 <= observers <= n):
        raise SystemExit("bench sfu: need 0 < --gallery < N, 0 < --speakers <= N, --observers <= N")
    kbps = args.video_kbps or TILE_KBPS
    print(f"bench sfu: a class of {n}, {args.tile[0]}x{args.tile[1]} {args.tile_fps} fps "
          f"{args.codec} {args.source} cameras at {kbps} kbps; {gallery} shown, {speakers} "
          f"speaking ({'the others with DTX' if args.dtx else 'the others send silence'}), "
          f"{observers} decoding")  # fmt: skip
    cap_video_bitrate(kbps)
    env = {**env, "BAEUM_AUDIO_SPEAKERS": str(speakers)}
    async with running_server(args.database_url, env) as server:
        klass, taken = await take_class(args, server)
    window, tiles = taken.window, klass.tiles()
    fps = [window.fps(i, track_id) for i, track_id in tiles if i >= n - observers]
    first = [taken.subscribers[i].first[t] * 1000 for i, t in tiles
             if t in taken.subscribers[i].first]  # fmt: skip
    figures = {
        "bench": "sfu",
        "class_size": n,
        "gallery": gallery,
        "speakers": speakers,
        "observers": observers,
        "dtx": args.dtx,
        "join_every_s": args.join_every,
        "codec": args.codec,
        "source": args.source,
        "tile": f"{args.tile[0]}x{args.tile[1]}",
        "tile_fps": args.tile_fps,
        "seconds": args.seconds,
        **window.figures(),
        "subscriber_fps_min": round(min(fps), 1) if fps else None,
        "subscriber_fps_mean": round(sum(fps) / len(fps), 1) if fps else None,
        "decode_errors": errors.count,
        "first_keyframe_p95_ms": round(percentile(first, 0.95), 1) if first else None,
        "no_first_frame": len(tiles) - len(first),
    }
    checked, wrong = received(klass, taken)
    figures |= checked
    print(f"  the cameras: {figures['video_kbps']} kbps each, {figures['packets_per_frame']} "
          f"packets per frame, {figures['camera_fps']} frames a second")  # fmt: skip
    print(f"  forwarded {figures['forwarded_packets']} packets in {args.seconds:.0f} s on "
          f"{figures['server_cpu_s']:.2f} server CPU s: {figures['us_per_packet']} µs per "
          f"packet; slowest shown tile {figures['subscriber_fps_min']} fps; {errors.count} "
          f"decode errors; first frame p95 {figures['first_keyframe_p95_ms']} ms, "
          f"{figures['no_first_frame']} tiles without")  # fmt: skip
    print(f"  each subscriber got {'-'.join(map(str, figures['videos_received_per_subscriber']))} "
          f"videos ({figures['unexpected_videos']} not its page) and "
          f"{figures['audio_streams_forwarded']} voices in all "
          f"({figures['unexpected_audio']} not the speakers' less its own); video stopped "
          f"{figures['video_stopped']} times")  # fmt: skip
    for example in wrong:
        print(f"  for example, {example}")
    if warning := overloaded(figures):
        print(warning)
    return figures
