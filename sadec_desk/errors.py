"""Errors a person can cause (bad QR, bad input, printer off, no network).

They carry a sentence in Vietnamese that says what is wrong and what to do; the
CLI and the views show ``str(error)`` and never a traceback (docs/design.md §6.8).
Programming errors are *not* UserError: they are logged with a traceback.
"""


class UserError(Exception):
    """Something the user can fix; ``str(self)`` is the message to show."""

    #: a short stable English identifier for machine-readable output (--json)
    code = "user_error"
    #: the form field the sentence is about ("phone", "pages", "procedure"...), when there
    #: is one: a screen shows the sentence beside that field (issue #17 item 5); "" or
    #: None when there is none (CccdQrError sets its own)
    field: str | None = ""

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code
        if field is not None:
            self.field = field

    @property
    def message(self) -> str:
        return str(self)


class NotFound(UserError):
    code = "not_found"


class InvalidInput(UserError):
    code = "invalid_input"


class DatabaseError(UserError):
    """The database cannot be used as it is (locked, read-only, newer schema...)."""

    code = "database"
