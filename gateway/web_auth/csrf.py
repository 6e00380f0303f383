"""CSRF tokens bound to the browser's session, derived and never stored.

Why: the session cookie is sent with any request the browser makes, even one another
site's page triggers (``SameSite=Strict`` helps; this is the second lock). Every form
carries a token only a page of ours could have put there: an HMAC keyed by the
session's secret (which only the server and the HttpOnly cookie hold) over a fixed
label and the form's name. A new session means new tokens; nothing is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

_LABEL: Final = b"safedial csrf v1\0"


def csrf_token(session_secret: str, form_id: str = "") -> str:
    """The token a form of this session carries (``form_id`` binds it to one form)."""
    digest = hmac.new(session_secret.encode("utf-8"), _LABEL + form_id.encode("utf-8"),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_csrf(session_secret: str, token: str | None, form_id: str = "") -> bool:
    """Whether ``token`` is this session's token for ``form_id`` (constant time)."""
    if not token:
        return False
    expected = csrf_token(session_secret, form_id)
    return hmac.compare_digest(expected.encode("ascii"), token.encode("utf-8"))
