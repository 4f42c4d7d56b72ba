"""The course catalog: courses of a year, their plans and the history of every plan change."""
