"""Live classes: joining (join links, class tokens), presence, attendance, media."""
