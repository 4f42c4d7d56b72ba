"""Instructors (강사): the registry, fee standards by date, teaching hours, fees owed, and the
selection committee's approvals (강사선정심의회) compared with who actually taught."""
