"""The one place domain errors become HTTP answers. Bodies never echo input values.

Each ``SafeDialError`` names its own ``http_status`` (see the tree in
``gateway.errors``), so one handler serves them all.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from gateway.errors import BadInput, SafeDialError
from gateway.validation import problems as plain_problems


def error_body(exc: SafeDialError) -> dict[str, object]:
    """The JSON body of an error answer: its stable id, plain words and details."""
    return {"error_id": exc.error_id, "message": exc.message, "details": exc.details}


def install(app: FastAPI) -> None:
    @app.exception_handler(SafeDialError)
    async def _domain(_request: Request, exc: SafeDialError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content=error_body(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default body repeats the rejected input, which may be a phone number.
        problems = [{"field": field, "message": message}
                    for field, message in plain_problems(exc.errors(), skip=("body",))]
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return JSONResponse(status_code=BadInput.http_status, content={
            "error_id": BadInput.error_id, "message": message,
            "details": {"problems": problems}})
