"""Poll answers, checked and counted: pure functions, no I/O.

Every kind of item has one answer shape (``validate`` checks it and returns it normalised) and
one result shape (``tally``). Word-cloud words are normalised so that "AI", "ai" and "AI가"
count together: NFKC, lower case, punctuation off, a Korean particle (조사) off the end.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

KINDS = ("single", "multiple", "rating", "wordcloud", "open", "ranking", "quiz")
WORDS_PER_ANSWER = 3
JOSA = ("으로", "에서", "에게", "은", "는", "이", "가", "을", "를", "에", "의", "도", "로", "와",
        "과", "랑", "만")  # fmt: skip
ANIMALS = ("고래", "여우", "수달", "판다", "부엉이", "다람쥐", "펭귄", "고양이", "사슴", "토끼")
COLOURS = ("푸른", "붉은", "노란", "하얀", "초록", "보라", "주황", "은빛", "금빛", "분홍")


@dataclass(frozen=True)
class Item:
    kind: str
    options: Sequence[str]
    scale: int | None = None
    correct: Sequence[int] | None = None


class BadAnswer(ValueError):
    """The answer does not fit the item (the message says how)."""


def _choice(value: Any, item: Item) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(item.options):
        raise BadAnswer(f"choose one of 0..{len(item.options) - 1}")
    return value


def normalise_word(word: str) -> str:
    """One spelling per word: "AI가", "ai" and "AI" are "ai"; "협업을" is "협업"."""
    text = unicodedata.normalize("NFKC", word).lower().strip()
    text = re.sub(r"[^\w\s]", "", text).strip()
    for josa in JOSA:
        stem = text[: -len(josa)]
        if text.endswith(josa) and (re.fullmatch(r"[a-z0-9]+", stem)
                                    or re.fullmatch(r"[가-힣]{2,}", stem)):  # fmt: skip
            return stem
    return text


def validate(item: Item, value: Any) -> dict[str, Any]:
    """The answer, normalised; raises BadAnswer if it does not fit the item."""
    if not isinstance(value, dict):
        raise BadAnswer("send an object")
    if item.kind in ("single", "quiz"):
        return {"choice": _choice(value.get("choice"), item)}
    if item.kind == "multiple":
        choices = value.get("choices")
        if not isinstance(choices, list) or not choices:
            raise BadAnswer("choose one or more")
        picked = sorted({_choice(c, item) for c in choices})
        return {"choices": picked}
    if item.kind == "rating":
        rating, scale = value.get("rating"), item.scale or 5
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= scale:
            raise BadAnswer(f"rate from 1 to {scale}")
        return {"rating": rating}
    if item.kind == "wordcloud":
        words = value.get("words")
        if not isinstance(words, list) or not 1 <= len(words) <= WORDS_PER_ANSWER:
            raise BadAnswer(f"send 1 to {WORDS_PER_ANSWER} words")
        clean = [normalise_word(w) for w in words if isinstance(w, str) and len(w) <= 40]
        if len(clean) != len(words) or not all(clean):
            raise BadAnswer("words of 1 to 40 letters")
        return {"words": sorted(set(clean))}
    if item.kind == "open":
        text = value.get("text")
        if not isinstance(text, str) or not 1 <= len(text.strip()) <= 500:
            raise BadAnswer("a text of 1 to 500 characters")
        return {"text": text.strip()}
    if item.kind == "ranking":
        order = value.get("order")
        if not isinstance(order, list) or sorted(order) != list(range(len(item.options))):
            raise BadAnswer("rank every option once")
        return {"order": order}
    raise BadAnswer(f"unknown kind {item.kind}")


def tally(item: Item, answers: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The item's results from every answer (exact; ``total``: how many answered)."""
    n = len(item.options)
    result: dict[str, Any] = {"total": len(answers)}
    if item.kind in ("single", "quiz"):
        counts = Counter(a["choice"] for a in answers)
        result["counts"] = [counts[i] for i in range(n)]
    elif item.kind == "multiple":
        counts = Counter(c for a in answers for c in a["choices"])
        result["counts"] = [counts[i] for i in range(n)]
    elif item.kind == "rating":
        scale = item.scale or 5
        counts = Counter(a["rating"] for a in answers)
        result["counts"] = [counts[r] for r in range(1, scale + 1)]
        result["mean"] = (
            round(sum(a["rating"] for a in answers) / len(answers), 2) if answers else None
        )
    elif item.kind == "wordcloud":
        counts = Counter(w for a in answers for w in a["words"])
        result["words"] = [
            [w, c] for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:50]
        ]
    elif item.kind == "open":
        result["texts"] = [a["text"] for a in answers[-50:]]
    elif item.kind == "ranking":
        scores = [0] * n
        for a in answers:
            for place, option in enumerate(a["order"]):
                scores[option] += n - place  # Borda: first place scores most
        result["scores"] = scores
    return result


def is_correct(item: Item, answer: dict[str, Any]) -> bool:
    return item.kind == "quiz" and answer.get("choice") in (item.correct or [])


def pseudonym(tag: str) -> str:
    """A friendly, stable name for a leaderboard (푸른 고래 3f): says nothing about who."""
    number = int(tag[:8], 16)
    return f"{COLOURS[number % 10]} {ANIMALS[(number // 10) % 10]} {tag[8:10]}"
