"""The aiortc internals the forwarding path relies on are still where it expects them.

If an aiortc upgrade moves any of these, this fails loudly, instead of the server quietly
decoding every track again (or crashing mid-class).
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

from aiortc import RTCRtpReceiver, RTCRtpSender

from server.rooms.media import aiortc_glue


def test_the_installed_aiortc_is_the_one_the_glue_was_written_for() -> None:
    assert version("aiortc") == aiortc_glue.TESTED_AIORTC


def test_the_receiver_hands_encoded_frames_to_a_decoder_queue() -> None:
    source = inspect.getsource(RTCRtpReceiver._handle_rtp_packet)
    assert "self.__decoder_queue.put((codec, encoded_frame))" in source
    init = inspect.getsource(RTCRtpReceiver.__init__)
    assert "self.__decoder_queue: queue.Queue = queue.Queue()" in init
    assert callable(RTCRtpReceiver._send_rtcp_pli)


def test_the_sender_packs_pre_encoded_packets_without_encoding() -> None:
    source = inspect.getsource(RTCRtpSender._next_encoded_frame)
    assert "self.__encoder.pack(data)" in source
    assert callable(RTCRtpSender._handle_rtcp_packet)
