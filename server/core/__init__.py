"""What every feature package stands on: database, auth, errors, HTTP routes, live state."""
