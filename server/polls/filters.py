"""What must not be published without a look: phone numbers, resident registration numbers
(주민등록번호), e-mail addresses and profanity. Flagged text waits for the instructor."""

from __future__ import annotations

import re
import unicodedata

PHONE = re.compile(r"(?<!\d)(?:\+?82[-\s]?)?0?1[016789][-\s.]?\d{3,4}[-\s.]?\d{4}(?!\d)"
                   r"|(?<!\d)0(?:2|[3-6][1-5])[-\s.]?\d{3,4}[-\s.]?\d{4}(?!\d)")  # fmt: skip
RRN = re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[-\s]?[1-8]\d{6}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PROFANITY = ("씨발", "시발", "ㅅㅂ", "개새끼", "병신", "ㅂㅅ", "좆", "fuck", "shit", "bitch")


def flags(text: str) -> list[str]:
    """The kinds of trouble found in ``text`` (empty: fine to publish)."""
    normal = unicodedata.normalize("NFKC", text)
    found = []
    if RRN.search(normal):
        found.append("rrn")
    if PHONE.search(RRN.sub("", normal)):
        found.append("phone")
    if EMAIL.search(normal):
        found.append("email")
    squashed = re.sub(r"[\s.\-_*]", "", normal.lower())
    if any(word in squashed for word in PROFANITY):
        found.append("profanity")
    return found
