"""The administration pages of the web client (/admin and its record sections) and the
instructor's own fee page; the pages are static files, the records come from the API."""
