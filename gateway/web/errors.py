"""The one place domain errors become HTTP statuses. Bodies never echo input values."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from gateway.errors import (
    BadInput,
    Forbidden,
    NotFound,
    OriginateFailed,
    PbxUnavailable,
    Refused,
    SafeDialError,
    Unauthorized,
)
from gateway.pbx.guard import UnsafeConfig
from gateway.storage.keyring import DecryptionError, KeyFileError
from gateway.validation import problems as plain_problems

STATUS = {
    NotFound: 404,
    BadInput: 422,
    Unauthorized: 401,
    Forbidden: 403,
    Refused: 409,
    PbxUnavailable: 503,
    OriginateFailed: 502,
}


def _status(error: SafeDialError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def install(app: FastAPI) -> None:
    @app.exception_handler(SafeDialError)
    async def _domain(_request: Request, exc: SafeDialError) -> JSONResponse:
        return JSONResponse(
            status_code=_status(exc),
            content={"error_id": exc.error_id, "message": exc.message, "details": exc.details},
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default body repeats the rejected input, which may be a phone number.
        problems = [{"field": field, "message": message}
                    for field, message in plain_problems(exc.errors(), skip=("body",))]
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return JSONResponse(status_code=422, content={
            "error_id": "bad-input", "message": message, "details": {"problems": problems}})

    @app.exception_handler(UnsafeConfig)
    async def _unsafe(_request: Request, exc: UnsafeConfig) -> JSONResponse:
        return JSONResponse(status_code=409, content={
            "error_id": exc.error_id, "message": str(exc), "details": {}})

    @app.exception_handler(KeyFileError)
    @app.exception_handler(DecryptionError)
    async def _keys(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=503, content={
            "error_id": "keys-unavailable", "message": str(exc), "details": {}})
