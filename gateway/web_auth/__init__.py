"""Web accounts for the advocates' web app: everything behind the sign-in page.

What the pages call (the JSON API keeps bearer tokens, ``gateway.people.access``):

- ``signin``: ``sign_in``, ``confirm_second_factor``, ``change_password`` (each runs its
  own units of work: a failed try is counted and audited before the error is raised),
  ``sign_out_everywhere``; errors ``SignInFailed`` (401), ``SignInThrottled`` (429).
- ``first_password``: ``choose_first_password`` (the first password after a one-time
  one, in the session that signed in with it).
- ``sessions``: ``session_for`` (who a cookie's secret acts for, or None),
  ``awaiting_second_factor``, ``end_session`` (sign-out), ``end_all_sessions``,
  ``open_session``; ``WebUser``.
- ``csrf``: ``csrf_token``, ``check_csrf``.
- ``addresses``: ``client_address`` (the socket peer, or behind a trusted proxy the
  right-most untrusted ``X-Forwarded-For`` hop).
- ``accounts`` (admins): usernames, one-time passwords, TOTP on and off.
- ``passwords``, ``totp``, ``throttle``: the mechanisms underneath; ``jobs``: the daily
  housekeeping (old sessions, spent throttle counts).
"""
