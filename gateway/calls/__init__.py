"""Calls: what a call request is, how its outcome is judged, and the service placing it."""
