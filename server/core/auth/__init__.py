"""Users, roles, passwords, API tokens, browser sessions, join links and class tokens."""
