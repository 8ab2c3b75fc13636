"""Slipway's Python client: publish models from memory, predict with DataFrames, send ground truth."""

from .client import Client
from .errors import (
    ConflictError,
    DeadlineError,
    ForbiddenError,
    GatewayUnreachableError,
    InvalidInputError,
    NotFoundError,
    NotReadyError,
    OverloadedError,
    SlipwayError,
    TooLargeError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
    UnusableArtifactError,
    WorkerCrashedError,
)

__all__ = [
    "Client",
    "ConflictError",
    "DeadlineError",
    "ForbiddenError",
    "GatewayUnreachableError",
    "InvalidInputError",
    "NotFoundError",
    "NotReadyError",
    "OverloadedError",
    "SlipwayError",
    "TooLargeError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "UnusableArtifactError",
    "WorkerCrashedError",
]
