"""Every table, imported in one place so migrations and tests see the whole schema."""

from server.boards.models import (
    Board,
    BoardAttachment,
    BoardComment,
    BoardConnector,
    BoardModeration,
    BoardPost,
    BoardReaction,
)
from server.budget.models import (  # noqa: F401  (budget)
    BudgetAmendment,
    BudgetForecast,
    BudgetLine,
    CourseBudgetLine,
    LedgerEntry,
)
from server.core.audit import AuditEntry
from server.core.auth.models import ApiToken, User, UserRole, WebSession
from server.core.db import Base
from server.lms.models import (
    ClassSession,
    Cohort,
    CompetencyArea,
    Course,
    CoursePlan,
    Enrolment,
    Instructor,
    SessionStaff,
    SubArea,
)
from server.polls.models import (
    ClassSecret,
    MutedPseudonym,
    Poll,
    PollAnswer,
    PollItem,
    PollRun,
    Question,
    QuestionVote,
)
from server.reports.models import FrozenReport  # noqa: F401  (reports)
from server.rooms.breakout.models import (
    BreakoutGroup,
    BreakoutMember,
    BreakoutMove,
    BreakoutRound,
    BreakoutSet,
)
from server.rooms.models import AttendanceEvent, ClassEvent, ConnectionReport, ConnectionTest
from server.xapi.models import CourseProgress as CourseProgress
from server.xapi.models import LrsOutbox as LrsOutbox
from server.xapi.models import XapiStatement as XapiStatement

# isort: split
from server.exams.competency import models as competency_models  # noqa: F401 (its tables)
from server.exams.panels import models as panel_models  # noqa: F401 (its tables)
from server.lms.catalog.models import PlanRevision  # noqa: F401 (plan history)
from server.lms.completion.models import (  # noqa: F401 (registers the tables)
    Certificate,
    CompletionCorrection,
    CompletionResult,
    CompletionRule,
)
from server.lms.enrolment import models as enrolment_models  # noqa: F401 (its tables)
from server.lms.instructors import models as instructor_models  # noqa: F401 (its tables)
from server.lms.surveys.models import (  # noqa: F401 (registers the tables)
    Survey,
    SurveyItem,
    SurveyResponse,
    SurveySubmission,
)

__all__ = [
    "ApiToken",
    "AttendanceEvent",
    "AuditEntry",
    "Base",
    "Board",
    "BoardAttachment",
    "BoardComment",
    "BoardConnector",
    "BoardModeration",
    "BoardPost",
    "BoardReaction",
    "BreakoutGroup",
    "BreakoutMember",
    "BreakoutMove",
    "BreakoutRound",
    "BreakoutSet",
    "ClassEvent",
    "ClassSecret",
    "ClassSession",
    "Cohort",
    "CompetencyArea",
    "ConnectionReport",
    "ConnectionTest",
    "Course",
    "CoursePlan",
    "Enrolment",
    "Instructor",
    "MutedPseudonym",
    "Poll",
    "PollAnswer",
    "PollItem",
    "PollRun",
    "Question",
    "QuestionVote",
    "SessionStaff",
    "SubArea",
    "User",
    "UserRole",
    "WebSession",
]
from server.exams import models as exam_models  # noqa: F401 (recruitment exams' tables)
