"""The aiortc internals the forwarding path relies on are still where it expects them.

If an aiortc upgrade moves any of these, this fails loudly, instead of the server quietly
re-assembling and decoding every track again, or sending packets its sender reports miss.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

from aiortc import RTCDtlsTransport, RTCRtpReceiver, RTCRtpSender

from server.rooms.media import aiortc_glue


def test_the_installed_aiortc_is_the_one_the_glue_was_written_for() -> None:
    assert version("aiortc") == aiortc_glue.TESTED_AIORTC


def test_the_receiver_hands_each_accepted_packet_to_its_jitter_buffer() -> None:
    handle = inspect.getsource(RTCRtpReceiver._handle_rtp_packet)
    assert "self.__jitter_buffer.add(packet)" in handle
    assert handle.index("unwrap_rtx(") < handle.index("self.__jitter_buffer.add(packet)")
    assert handle.index("self.__nack_generator.add(") < handle.index("self.__jitter_buffer.add(")
    assert "self.__jitter_buffer = JitterBuffer(" in inspect.getsource(RTCRtpReceiver.__init__)
    assert callable(RTCRtpReceiver._send_rtcp_pli)


def test_the_sender_reports_what_its_private_counters_say() -> None:
    rtcp = inspect.getsource(RTCRtpSender._run_rtcp)
    for counter in ("ntp_timestamp", "rtp_timestamp", "packet_count", "octet_count"):
        assert f"self.__{counter}" in rtcp
    init = inspect.getsource(RTCRtpSender.__init__)
    assert "self._ssrc = " in init
    assert "self._rtx_ssrc = " in init
    assert "self.__rtt: Optional[float] = None" in init
    assert "self.__track.recv()" in inspect.getsource(RTCRtpSender._next_encoded_frame)


def test_the_sender_is_started_with_its_negotiated_parameters_and_takes_feedback() -> None:
    assert "parameters: RTCRtpSendParameters" in inspect.getsource(RTCRtpSender.send)
    assert "RTCP_RTPFB_NACK" in inspect.getsource(RTCRtpSender._handle_rtcp_packet)
    assert callable(RTCDtlsTransport._send_rtp)
