"""What goes in and out of the enrolment routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from server.core.schemas import In, Out, RecordId
from server.lms.enrolment.models import AccommodationKind, AccommodationStatus, CancelReason
from server.lms.models import EnrolmentStatus

Login = Annotated[str, Field(min_length=1, max_length=64)]
Note = Annotated[str, Field(max_length=500)]


class CohortPath(In):
    cohort_id: RecordId


class EnrolmentPath(In):
    enrolment_id: RecordId


class AccommodationPath(In):
    accommodation_id: RecordId


class EnrolmentQuery(In):
    status: EnrolmentStatus | None = Field(default=None, description="only this status")


class CancelIn(In):
    """A cancellation always says why: a reason code, and for ``other`` a note too."""

    reason: CancelReason
    note: Note | None = None

    @model_validator(mode="after")
    def _other_needs_a_note(self) -> CancelIn:
        if self.reason == CancelReason.OTHER and not self.note:
            raise ValueError("a cancellation for another reason needs a note")
        return self


class BulkEnrolIn(In):
    """Enrol people directly by log-in name, in the order given (the waitlist keeps it)."""

    logins: list[Login] = Field(min_length=1, max_length=500)

    @field_validator("logins")
    @classmethod
    def _each_once(cls, logins: list[str]) -> list[str]:
        if len(set(logins)) != len(logins):
            raise ValueError("each log-in name once")
        return logins


class AccommodationIn(In):
    kind: AccommodationKind
    note: Note | None = None


class AccommodationUpdate(In):
    """Only the fields sent change; send ``note: null`` to clear the note."""

    status: AccommodationStatus | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _something(self) -> AccommodationUpdate:
        if not self.model_fields_set:
            raise ValueError("send status or note")
        if "status" in self.model_fields_set and self.status is None:
            raise ValueError("status cannot be cleared")
        return self


class AccommodationOut(Out):
    id: int
    enrolment_id: int
    kind: AccommodationKind
    note: str | None
    status: AccommodationStatus
    requested_at: datetime
    updated_at: datetime | None


class EnrolmentRowOut(Out):
    id: int
    cohort_id: int
    user_id: int
    login: str
    name: str
    status: EnrolmentStatus
    created_at: datetime
    approved_at: datetime | None
    waitlist_position: int | None = Field(description="1 = next in; only while waitlisted")
    cancel_reason: CancelReason | None
    cancel_note: str | None
    cancelled_at: datetime | None
    cancelled_by: int | None
    accommodations: list[AccommodationOut]


class CohortEnrolmentsOut(Out):
    cohort_id: int
    cohort_name: str
    cohort_status: str
    capacity: int
    approved: int = Field(description="places taken: approved, completed or not completed")
    waitlisted: int
    items: list[EnrolmentRowOut]


class ChangeOut(Out):
    """An enrolment that changed, and any waitlisted one promoted because of it."""

    enrolment: EnrolmentRowOut
    promoted: EnrolmentRowOut | None = None


class BulkEnrolOut(Out):
    approved: list[str] = Field(description="log-in names now approved")
    waitlisted: list[str] = Field(description="log-in names put on the waitlist (cohort full)")
    unchanged: list[str] = Field(description="already enrolled, waitlisted, cancelled or done")
    items: list[EnrolmentRowOut]
