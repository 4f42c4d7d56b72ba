"""The class transcript from the captioner's lines: WebVTT (for video players) and plain text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from server.core.clock import SEOUL

LONGEST_CUE = timedelta(seconds=6)
SHORTEST_CUE = timedelta(seconds=1)


@dataclass(frozen=True)
class Line:
    at: datetime
    text: str


def _stamp(offset: timedelta) -> str:
    millis = max(0, int(offset.total_seconds() * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _clean(text: str) -> str:
    """A cue may not contain a blank line or "-->"; keep the text on one line."""
    return " ".join(text.replace("-->", "→").split())


def webvtt(lines: list[Line], starts_at: datetime, title: str) -> str:
    """Cues timed from the class's scheduled start; each lasts until the next, 1–6 s."""
    out = ["WEBVTT", "", "NOTE", _clean(title), ""]
    for n, line in enumerate(lines):
        start = line.at - starts_at
        nxt = lines[n + 1].at - starts_at if n + 1 < len(lines) else start + LONGEST_CUE
        end = min(max(nxt, start + SHORTEST_CUE), start + LONGEST_CUE)
        out += [str(n + 1), f"{_stamp(start)} --> {_stamp(end)}", _clean(line.text), ""]
    return "\n".join(out)


def plain_text(lines: list[Line], title: str) -> str:
    """One line per caption, with Seoul time: what a trainee reads after class."""
    out = [title, ""]
    out += [f"[{line.at.astimezone(SEOUL):%H:%M:%S}] {_clean(line.text)}" for line in lines]
    return "\n".join(out) + "\n"
