"""Publishers are told what to send: small in a big gallery, sharp when shown large."""

from __future__ import annotations

import itertools

import pytest
from aiortc import VideoStreamTrack

from server.rooms.media.limits import CROWD, GALLERY_TIERS, STAGE, limits_for
from tests.rooms.media.conftest import Peer


@pytest.mark.parametrize(
    ("size", "expected"),
    [(1, GALLERY_TIERS[0][1]), (2, GALLERY_TIERS[0][1]), (3, GALLERY_TIERS[1][1]),
     (9, GALLERY_TIERS[2][1]), (10, GALLERY_TIERS[3][1]), (30, CROWD), (300, CROWD)],
)  # fmt: skip
def test_the_bigger_the_class_the_smaller_a_gallery_tile(size: int, expected: object) -> None:
    assert limits_for(size, on_stage=False) == expected
    assert limits_for(size, on_stage=True) == STAGE


def test_tiers_only_ever_ask_for_less() -> None:
    tiers = [limits for _, limits in GALLERY_TIERS] + [CROWD]
    for bigger, smaller in itertools.pairwise(tiers):
        assert smaller.max_width * smaller.max_height < bigger.max_width * bigger.max_height
        assert smaller.max_kbps < bigger.max_kbps
        assert smaller.max_fps <= bigger.max_fps


async def test_publishers_are_told_their_limits_as_the_class_changes(
    peers: dict[str, Peer],
) -> None:
    park, kim, lee = peers["park"], peers["kim"], peers["lee"]
    kim_id = kim.socket.state["me"]["user_id"]
    await kim.publish(VideoStreamTrack())
    assert await kim.socket.next("media_limits") == GALLERY_TIERS[0][1].as_message()
    await park.publish(VideoStreamTrack())  # the instructor: shown large
    assert await park.socket.next("media_limits") == STAGE.as_message()
    assert kim.socket.nothing_pending("media_limits")  # two people: still a two-up view
    await lee.subscribe()  # a third person: the gallery becomes a grid
    assert await kim.socket.next("media_limits") == GALLERY_TIERS[1][1].as_message()
    assert park.socket.nothing_pending("media_limits")  # the stage is the stage

    await park.socket.ok("spotlight", {"user_id": kim_id})
    assert await kim.socket.next("media_limits") == STAGE.as_message()
    await park.socket.ok("spotlight", {"user_id": None})
    assert await kim.socket.next("media_limits") == GALLERY_TIERS[1][1].as_message()

    await lee.socket.ok("leave")
    assert await kim.socket.next("media_limits") == GALLERY_TIERS[0][1].as_message()
