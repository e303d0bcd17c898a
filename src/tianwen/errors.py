"""The exceptions tianwen raises on bad input.

Every error a user can cause is a :class:`TianwenError`, a subclass of :class:`ValueError`, whose message is
one line naming the bad value and what is accepted. The CLI prints that line and exits with status 2.
"""


class TianwenError(ValueError):
    """Bad input: the message names the value and what is accepted."""


class EpochError(TianwenError):
    """An epoch that cannot be parsed, or is in a time scale that is undefined at that date."""


class OutOfRangeError(TianwenError):
    """An epoch outside the span an ephemeris covers (never silently extrapolated)."""


class UnknownBodyError(TianwenError):
    """A body name the ephemeris does not know."""
