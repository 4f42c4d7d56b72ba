"""Who may send each live-class socket.io event: the table the event matrix checks.

Written by hand from what each event is for. The identities are the people of the matrix's
class (tests/security/authz/conftest.py) as the class sees them: ``trainee`` (publish,
subscribe), ``instructor`` and ``assistant`` (the class's teaching staff: moderate),
``captioner`` (caption) and ``operator`` (training staff: moderate, no camera). Everyone not
named must get an error ack of type ``forbidden``; those named must not (they may still get
``not-found`` or ``conflict`` for the payload's particular object).

Payloads name objects made before the matrix runs: ``{question}`` is another trainee's
question, ``{board}`` the instructor's board, ``{post}``/``{post2}`` another trainee's posts on
it, ``{comment}`` a comment on it, ``{connector}`` a link between the two posts, ``{poll}`` a
poll with a run ``{run}`` and item ``{item}``, ``{target}`` the other trainee's user id.
"""

from __future__ import annotations

from typing import Any

T, IN, AS, C, OP = "trainee", "instructor", "assistant", "captioner", "operator"
EVERYONE = frozenset({T, IN, AS, C, OP})
MODERATORS = frozenset({IN, AS, OP})
TEACHERS = frozenset({IN, AS})  # the class's own teaching staff
SPEAKERS = frozenset({T, IN, AS})  # publish: camera, microphone

#: event -> (payload with {placeholders}, who gets past authorisation). Order matters: the
#: events that end something (withdraw, remove, end, leave) come last.
EVENTS: dict[str, tuple[dict[str, Any] | None, frozenset[str]]] = {
    "join": ({}, EVERYONE),
    "replay": ({"since": 0}, EVERYONE),
    "raise_hand": (None, EVERYONE),
    "lower_hand": (None, EVERYONE),
    "set_media_state": ({"mic": False}, EVERYONE),
    "react": ({"emoji": "👍"}, EVERYONE),
    "send_chat": ({"text": "안녕하세요"}, EVERYONE),
    "send_caption": ({"text": "자막"}, frozenset({C})),
    "lower_hand_of": ({"user_id": "{target}"}, MODERATORS),
    "lower_all_hands": (None, MODERATORS),
    "request_mute": ({"user_id": "{target}"}, MODERATORS),
    "lock_class": ({"locked": False}, MODERATORS),
    "spotlight": ({"user_id": None}, MODERATORS),
    "start_class": (None, MODERATORS),
    "report_connection": ({"kind": "quality"}, EVERYONE),
    # anonymous Q&A
    "qa_ask": ({"text": "질문 있습니다"}, EVERYONE),
    "qa_edit": ({"question_id": "{question}", "text": "고친 질문"}, frozenset()),  # asker only
    "qa_vote": ({"question_id": "{question}"}, EVERYONE),
    "qa_moderate": ({"question_id": "{question}", "action": "approve"}, MODERATORS),
    "qa_merge": ({"question_id": "{question}", "into": "{question2}"}, MODERATORS),
    "qa_reply": ({"question_id": "{question}", "text": "답변"}, MODERATORS),
    "qa_pin": ({"question_id": "{question}", "pinned": True}, MODERATORS),
    "qa_mute": ({"question_id": "{question}"}, MODERATORS),
    "qa_mode": ({"mode": "none"}, MODERATORS),
    "qa_list": ({}, EVERYONE),
    # boards
    "board_list": (None, EVERYONE),
    "board_open": ({"board_id": "{board}"}, EVERYONE),
    "board_create": ({"title": "새 보드"}, MODERATORS),
    "board_prepared": (None, MODERATORS),
    "board_update": ({"board_id": "{board}", "title": "바뀐 보드"}, MODERATORS),
    "board_post": ({"board_id": "{board}", "title": "포스트잇"}, EVERYONE),
    "board_edit": ({"post_id": "{post}", "version": 1, "title": "고침"}, MODERATORS),  # or author
    "board_move": ({"post_id": "{post}", "version": 1, "x": 10, "y": 10}, EVERYONE),
    "board_moderate": ({"post_id": "{post}", "action": "approve"}, MODERATORS),
    "board_highlight": ({"post_id": "{post}", "highlighted": True}, MODERATORS),
    "board_grade": ({"post_id": "{post}", "grade": "A"}, MODERATORS),
    "board_comment": ({"post_id": "{post}", "text": "댓글"}, EVERYONE),
    "board_react": ({"post_id": "{post}", "kind": "like", "value": 1}, EVERYONE),
    "board_connect": ({"from_post_id": "{post}", "to_post_id": "{post2}"}, EVERYONE),
    "board_preview": ({"url": "https://example.invalid/"}, EVERYONE),
    # polls
    "poll_create": (
        {"title": "투표", "items": [{"kind": "single", "prompt": "?", "options": ["a", "b"]}]},
        MODERATORS,
    ),
    "poll_launch": ({"poll_id": "{poll}"}, MODERATORS),
    "poll_answer": ({"run_id": "{run}", "item_id": "{item}", "value": {"choice": 0}}, EVERYONE),
    "poll_show": ({"run_id": "{run}", "shown": True}, MODERATORS),
    "poll_runs": (None, EVERYONE),  # each sees the runs they may
    "poll_close": ({"run_id": "{run}"}, MODERATORS),
    # breakout groups
    "breakout_open": ({"set_id": 999_999, "minutes": 5}, MODERATORS),
    "breakout_move": ({"user_id": "{target}", "group_id": None}, MODERATORS),
    "breakout_extend": ({"minutes": 1}, MODERATORS),
    "breakout_broadcast": ({"text": "5분 남았습니다"}, MODERATORS),
    "breakout_voice": ({"on": True}, MODERATORS),
    "breakout_help": (None, EVERYONE),
    "breakout_help_done": ({"user_id": "{target}"}, MODERATORS),
    "breakout_visit": ({"group_id": None}, MODERATORS),
    "breakout_overview": (None, MODERATORS),
    "breakout_close": ({}, MODERATORS),
    # media (a real offer is not needed to be refused or let through to the media host)
    "media_publish": ({"type": "offer", "sdp": "v=0 not an offer"}, SPEAKERS),
    "media_subscribe": ({}, EVERYONE),
    "media_answer": ({"type": "answer", "sdp": "v=0"}, EVERYONE),
    "media_view": ({}, EVERYONE),
    # what ends something
    "board_comment_remove": ({"comment_id": "{comment}"}, MODERATORS),
    "board_unlink": ({"connector_id": "{connector}"}, EVERYONE),
    "board_withdraw": ({"post_id": "{post}"}, frozenset()),  # its author only
    "qa_withdraw": ({"question_id": "{question}"}, frozenset()),  # its asker only
    "remove_participant": ({"user_id": "{target}", "reason": "matrix"}, MODERATORS),
    "end_class": (None, MODERATORS),
    "leave": (None, EVERYONE),
}
