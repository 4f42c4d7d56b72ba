"""What each publisher should send, by how its video is shown: encoding limits.

The server never transcodes, so the only way to spare trainees' phones and data plans is to
have publishers send no more than anyone shows. In a big class everyone is a small gallery
tile, so cameras are asked for a small, slow picture; the instructor (and whoever is in the
spotlight) is shown large, so theirs may be sharp. The client applies the limits with
``RTCRtpSender.setParameters`` (maxBitrate, maxFramerate, scaleResolutionDownBy).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class EncodingLimits:
    max_width: int
    max_height: int
    max_fps: int
    max_kbps: int

    def as_message(self) -> dict[str, Any]:
        return {"video": asdict(self)}


STAGE = EncodingLimits(1280, 720, 30, 1500)  # the instructor, the spotlight: shown large
#: (up to this many people in the class, what a gallery tile needs)
GALLERY_TIERS = (
    (2, EncodingLimits(1280, 720, 30, 1200)),  # one-to-one: the other person fills the screen
    (4, EncodingLimits(960, 540, 30, 800)),  # a 2×2 grid
    (9, EncodingLimits(640, 360, 24, 500)),  # a 3×3 grid
    (25, EncodingLimits(480, 270, 15, 300)),  # a 5×5 grid
)
CROWD = EncodingLimits(320, 180, 15, 150)  # a 9-tile page of a bigger class


def limits_for(class_size: int, on_stage: bool) -> EncodingLimits:
    """The most a publisher's camera should send in a class of this many people."""
    if on_stage:
        return STAGE
    for size, limits in GALLERY_TIERS:
        if class_size <= size:
            return limits
    return CROWD
