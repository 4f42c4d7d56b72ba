"""Content-Disposition for files people download (exports, attachments): an ASCII fallback
name every client understands, and the real (often Korean) name where one can be made."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|]')


def disposition(fallback: str, title: str, suffix: str, *, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) with an ASCII name, and ``title`` + ``suffix`` as the
    name where the title makes one (RFC 6266 ``filename*``, UTF-8 percent-encoded as RFC 5987
    says). Control characters and characters no file system takes are dropped."""
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    kept = "".join(c for c in title if not unicodedata.category(c).startswith("C"))
    name = " ".join(UNSAFE_IN_NAME.sub(" ", kept).split())[:100].strip(" .")
    if name:
        value += f"; filename*=UTF-8''{quote(f'{name}{suffix}', safe='')}"
    return value
