"""The audit log: every change to a record, with who, what, when and before/after."""

from server.core.audit.models import REDACTED, Audited, AuditedSession, AuditEntry

__all__ = ["REDACTED", "AuditEntry", "Audited", "AuditedSession"]
