"""Caller-ID modes: the same two values in the CLI, API, database and dialplan."""

from enum import StrEnum


class CallerIdMode(StrEnum):
    """How the participant's phone sees the call.

    ``withhold`` presents an anonymous caller (the default of the practice
    guides); ``masked`` presents the agency's configured masked number and
    nothing else.
    """

    WITHHOLD = "withhold"
    MASKED = "masked"
