"""The web client's own pages: log-in and the signed-in home (static/login.html, home.html)."""
