"""Typed errors carrying what the gateway said: its HTTP status, error code, field and message."""

from __future__ import annotations

from typing import Any


class SlipwayError(Exception):
    """A call the gateway refused or failed: ``{"error": {"code", "message", "field"?}}``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, body: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        #: The input field (or form field) the error is about, when the gateway names one.
        self.field = field
        #: The whole answer, for what a subclass does not lift out (a notebook's failed cell…).
        self.body = body


class InvalidInputError(SlipwayError):
    """400: a record, parameter or form field is wrong; ``field`` names it."""


class UnauthorizedError(SlipwayError):
    """401: no token, or a token that is not the admin token nor this deployment's key."""


class ForbiddenError(SlipwayError):
    """403."""


class NotFoundError(SlipwayError):
    """404: no such deployment, version, run or prediction."""


class ConflictError(SlipwayError):
    """409."""


class TooLargeError(SlipwayError):
    """413: the body, the upload or the batch is over the gateway's limit."""


class UnsupportedMediaTypeError(SlipwayError):
    """415."""


class UnusableArtifactError(SlipwayError):
    """422: the gateway cannot load the published file (it says why)."""


class OverloadedError(SlipwayError):
    """429: too many calls at once; try again later."""


class WorkerCrashedError(SlipwayError):
    """502: the model's worker process died during the call."""


class NotReadyError(SlipwayError):
    """503: the model is loading, or the gateway is not ready."""


class DeadlineError(SlipwayError):
    """504: the call ran past its deadline."""


class GatewayUnreachableError(SlipwayError):
    """No answer at all: the gateway is not running at that URL."""


ERRORS_BY_STATUS: dict[int, type[SlipwayError]] = {
    400: InvalidInputError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: TooLargeError,
    415: UnsupportedMediaTypeError,
    422: UnusableArtifactError,
    429: OverloadedError,
    502: WorkerCrashedError,
    503: NotReadyError,
    504: DeadlineError,
}


def error_from_answer(status: int, body: Any, text: str) -> SlipwayError:
    """The typed error of a gateway answer with ``status`` (body: its JSON, or None)."""
    cls = ERRORS_BY_STATUS.get(status, SlipwayError)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return cls(
            status,
            str(error.get("code", "error")),
            str(error.get("message", "")),
            error.get("field") if isinstance(error.get("field"), str) else None,
            body,
        )
    return cls(status, f"http_{status}", text[:500] or f"HTTP {status}", None, body)
