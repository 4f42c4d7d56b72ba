"""Reports: institute-wide tables computed by SQL over records, rendered for screen, CSV, XLSX
and the terminal, and frozen (submitted) with a content hash so later runs can be diffed.

A report is an async function ``(session, parameters) -> Report``; the registry
(``registry.py``) names them. Packages that own the records write the functions (the
plan-versus-actual report lives in ``server/lms/reports.py``); this package owns only the shape,
the renderers, freezing and diffs.
"""
