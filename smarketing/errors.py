"""Domain errors: raised by services, shown as a message on pages and as the JSON error shape by the API."""


class DomainError(Exception):
    """Input the rules refuse. Nothing was changed."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}


class Conflict(DomainError):
    """The current state does not allow the action, or another person got there first."""

    status = 409
    code = "conflict"


class NotAllowed(DomainError):
    """The member's role does not allow the action."""

    status = 403
    code = "permission_denied"
