"""The packet-level forwarding rules: where a copy may start, and how it stays continuous."""

from __future__ import annotations

import pytest

from server.rooms.media.forwarding import SEQ_MOD, TS_MOD, Splice, keyframe_start

VP8_KEY_TAG = bytes([0x50, 0x0C, 0x00, 0x9D, 0x01, 0x2A])  # frame tag, P bit 0, start code
VP8_DELTA_TAG = bytes([0x51, 0x0C, 0x00])


@pytest.mark.parametrize(
    ("mime", "payload", "starts"),
    [
        ("video/VP8", bytes([0x10]) + VP8_KEY_TAG, True),  # S=1, PID 0, no extensions
        ("video/VP8", bytes([0x10]) + VP8_DELTA_TAG, False),  # an inter frame
        ("video/VP8", bytes([0x00]) + VP8_KEY_TAG, False),  # not the first packet of a frame
        ("video/VP8", bytes([0x11]) + VP8_KEY_TAG, False),  # partition 1, not the frame tag
        # X with a 15-bit picture ID (I, M), TL0PICIDX (L) and TID/KEYIDX (T): Chrome's shape
        ("video/VP8", bytes([0x90, 0xE0, 0x80 | 0x12, 0x34, 0x07, 0x40]) + VP8_KEY_TAG, True),
        ("video/VP8", bytes([0x90, 0xE0, 0x80 | 0x12, 0x34, 0x07, 0x40]) + VP8_DELTA_TAG, False),
        ("video/VP8", bytes([0x90, 0x80, 0x12]) + VP8_KEY_TAG, True),  # a 7-bit picture ID
        ("video/VP8", b"", False),
        ("video/VP8", bytes([0x90, 0x80]), False),  # truncated
        ("video/H264", bytes([0x65, 0x88]), True),  # an IDR slice alone
        ("video/H264", bytes([0x67, 0x42]), True),  # a sequence parameter set
        ("video/H264", bytes([0x41, 0x9A]), False),  # a P slice
        ("video/H264", bytes([0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE]), True),
        ("video/H264", bytes([0x18, 0x00, 0x02, 0x06, 0x05, 0x00, 0x02, 0x41, 0x9A]), False),
        ("video/H264", bytes([0x7C, 0x85, 0x88]), True),  # FU-A, start of an IDR
        ("video/H264", bytes([0x7C, 0x05, 0x88]), False),  # FU-A, middle of an IDR
        ("video/H264", bytes([0x7C, 0x81, 0x9A]), False),  # FU-A, start of a P slice
        ("video/H264", b"", False),
        ("audio/opus", b"\xfc\x00", True),
    ],
)
def test_where_a_subscriber_may_start(mime: str, payload: bytes, starts: bool) -> None:
    assert keyframe_start(mime, payload) is starts


def test_video_starts_at_a_keyframe_and_keeps_its_spacing() -> None:
    splice = Splice(90000)
    assert splice.rewrite(100, 5000, starts=False, now=0.0) is None  # waits for a keyframe
    first = splice.rewrite(101, 8000, starts=True, now=0.0)
    assert first is not None
    second = splice.rewrite(102, 11000, starts=False, now=0.033)
    assert second == ((first[0] + 1) % SEQ_MOD, (first[1] + 3000) % TS_MOD)


def test_a_resumed_copy_continues_without_a_gap_or_a_jump() -> None:
    """Paused for 2 s (another gallery page), then resumed at a keyframe of a stream whose
    numbers moved on by thousands: the subscriber sees the next sequence number, and a
    timestamp 2 s of clock later, as if nothing had been skipped."""
    splice = Splice(90000)
    splice.rewrite(10, 0, starts=True, now=100.0)
    last = splice.rewrite(11, 3000, starts=False, now=100.033)
    assert last is not None
    splice.restart()
    assert splice.rewrite(900, 180_000, starts=False, now=102.0) is None
    resumed = splice.rewrite(901, 183_000, starts=True, now=102.033)
    assert resumed == ((last[0] + 1) % SEQ_MOD, (last[1] + 180_000) % TS_MOD)


def test_a_new_publisher_connection_splices_in_seamlessly() -> None:
    """A re-published stream starts from new random bases; the subscriber's does not."""
    splice = Splice(48000)
    splice.rewrite(65534, TS_MOD - 960, starts=True, now=0.0)
    last = splice.rewrite(65535, 0, starts=True, now=0.02)  # both numbers wrap around
    assert last is not None
    splice.restart()
    moved = splice.rewrite(7, 123_456, starts=True, now=0.04)
    assert moved == ((last[0] + 1) % SEQ_MOD, (last[1] + 960) % TS_MOD)


def test_late_packets_fill_gaps_but_nothing_from_before_the_splice_goes_out() -> None:
    splice = Splice(90000)
    assert splice.rewrite(50, 0, starts=True, now=0.0) is not None
    assert splice.rewrite(49, 0, starts=False, now=0.0) is None  # before the keyframe
    assert splice.rewrite(53, 3000, starts=False, now=0.0) is not None
    late = splice.rewrite(52, 3000, starts=False, now=0.0)  # reordered, or retransmitted
    assert late is not None
    assert late[0] == (splice.next_seq - 2) % SEQ_MOD
    assert splice.rewrite(51, 0, starts=False, now=0.0) is not None


def test_sequence_numbers_wrap_over_a_long_class() -> None:
    splice = Splice(90000)
    seq, previous = 65000, None
    for n in range(70_000):  # more than a full turn of 16-bit numbers
        out = splice.rewrite(seq, n * 3000 % TS_MOD, starts=n == 0, now=n / 30)
        assert out is not None
        if previous is not None:
            assert out[0] == (previous + 1) % SEQ_MOD
        previous, seq = out[0], (seq + 1) % SEQ_MOD


def test_dtx_is_asked_for_on_every_opus_line_and_nothing_else() -> None:
    from server.rooms.media.sdp import ask_for_dtx

    sdp = "\r\n".join([
        "v=0", "s=-",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 nack",
        "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=rtpmap:96 VP8/90000", "a=fmtp:96 max-fr=30",
        "m=audio 9 UDP/TLS/RTP/SAVPF 109", "a=rtpmap:109 OPUS/48000/2", "a=fmtp:109 minptime=10",
        "",
    ])  # fmt: skip
    lines = ask_for_dtx(sdp).split("\r\n")
    assert lines[4] == "a=fmtp:111 usedtx=1"  # added after its rtpmap
    assert "a=fmtp:96 max-fr=30" in lines  # video untouched
    assert "a=fmtp:109 minptime=10;usedtx=1" in lines
    assert len(lines) == len(sdp.split("\r\n")) + 1
