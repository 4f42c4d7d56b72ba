"""Media: a selective forwarding unit on aiortc (publish, subscribe, forward encoded frames)."""
