"""Baeum (배움): the training institute's own live remote-learning platform."""
