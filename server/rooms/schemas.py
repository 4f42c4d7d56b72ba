"""What goes in and out of the joining routes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from server.config import IceServer
from server.core.auth.schemas import UserOut
from server.core.schemas import In, Out, RecordId
from server.lms.schemas import ClassSessionOut


class Grant(StrEnum):
    PUBLISH = "publish"  # send camera, microphone, screen
    SUBSCRIBE = "subscribe"  # receive others' media and the class's events
    MODERATE = "moderate"  # instructor controls: mute requests, remove, lock, spotlight
    CAPTION = "caption"  # type live captions


class JoinLinksIn(In):
    user_ids: list[RecordId] | None = Field(
        default=None, max_length=2000, description="default: every enrolled trainee"
    )


class JoinLinkOut(Out):
    user_id: int
    name: str
    url: str
    expires_at: datetime


class RedeemIn(In):
    token: str = Field(min_length=10, max_length=2000)


class ClassTokenOut(Out):
    token: str = Field(description="pass as auth.token when connecting to the /class namespace")
    class_session_id: int
    grants: list[Grant]
    expires_at: datetime
    ice_servers: list[IceServer]


class JoinOut(Out):
    user: UserOut
    csrf_token: str
    class_session: ClassSessionOut
    class_token: ClassTokenOut
