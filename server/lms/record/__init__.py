"""A person's own record (/my): courses, attendance per class, completion, certificates and
surveys to answer, composed from the other packages' services; it owns no table."""
