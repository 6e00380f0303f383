"""A checked multipart form: the one kind of post that carries a file (a recording).

Why apart from ``CheckedForm``: that one reads urlencoded forms only, and an upload
needs ``multipart/form-data``. The rules are the same: signed in (as ``SignedIn``),
and refused (``FormRefused``, 403, nothing changed) unless the form's ``csrf_token``
is this session's. The body was already bounded by ``gateway.web.body``; the parser
is bounded too (one file, a few fields).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Final

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from gateway.errors import BadInput
from gateway.web.pages.session import require_form_token, signed_in

_MULTIPART: Final = "multipart/form-data"
_MAX_FIELDS: Final = 8
_MAX_FIELD_BYTES: Final = 4096


async def checked_upload(request: Request) -> AsyncIterator[FormData]:
    """The posted multipart form of a signed-in user, once its CSRF token is this session's;
    its files are closed when the request ends."""
    await run_in_threadpool(signed_in, request)
    content_type = request.headers.get("content-type", "").partition(";")[0].strip()
    form = FormData()
    if content_type.lower() == _MULTIPART:
        try:
            form = await request.form(max_files=1, max_fields=_MAX_FIELDS,
                                      max_part_size=_MAX_FIELD_BYTES)
        except HTTPException:  # the parser's: a malformed body, too many parts or fields
            raise BadInput("this form could not be read: reload the page and try again"
                           ) from None
    try:
        require_form_token(request, form)
        yield form
    finally:
        await form.close()


CheckedUpload = Annotated[FormData, Depends(checked_upload)]


async def uploaded_bytes(form: FormData, name: str, limit: int) -> bytes | None:
    """The file posted as ``name`` (at most ``limit + 1`` bytes read), or None."""
    value = form.get(name)
    if not isinstance(value, UploadFile):
        return None
    return await value.read(limit + 1)
