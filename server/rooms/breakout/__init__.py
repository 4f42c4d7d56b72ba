"""Breakout groups (분임): group sets, filling them, and live rounds."""
