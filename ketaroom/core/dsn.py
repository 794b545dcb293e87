"""A records-server address (libpq URI or ``key=value`` string) with its password hidden.

Room settings show a saved address with the password replaced by :data:`MASK`
(:func:`mask_password`); what the admin types back is turned into the real address by
:func:`unmask_password`, which puts the saved password back where the mask still is. The
password is replaced as written (percent-encoded in a URI, quoted or not in key=value),
so the address round-trips exactly.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "hide_password_in", "mask_password", "unmask_password"]

MASK = "••••••"
_URI = re.compile(r"^(?:postgres|postgresql)://(?P<user>[^:@/?#]*):(?P<password>[^@/?#]*)@")
_KEY_VALUE = re.compile(r"(?:^|\s)password\s*=\s*(?P<password>'(?:[^'\\]|\\.)*'|[^\s']+)")
_QUERY = re.compile(r"[?&]password=(?P<password>[^&#]*)")


def _password_span(dsn: str) -> tuple[int, int] | None:
    """Where the password is written in ``dsn`` (start, end), or None when it has none."""
    for pattern in (_URI, _QUERY, _KEY_VALUE):
        found = pattern.search(dsn)
        if found and found.group("password"):
            return found.span("password")
    return None


def mask_password(dsn: str) -> str:
    """``dsn`` with its password shown as :data:`MASK` (unchanged when it has none)."""
    span = _password_span(dsn)
    return dsn if span is None else dsn[:span[0]] + MASK + dsn[span[1]:]


def unmask_password(shown: str, saved: str | None) -> str:
    """The address the admin means by ``shown``: the mask, where it still is, stands for
    the ``saved`` address's password (removed when there is none to put back)."""
    span = _password_span(saved or "")
    password = "" if span is None or saved is None else saved[span[0]:span[1]]
    return shown.replace(MASK, password)


def hide_password_in(text: str, dsn: str) -> str:
    """``text`` (a message about ``dsn``) with the address's password shown as the mask."""
    span = _password_span(dsn)
    return text if span is None else text.replace(dsn[span[0]:span[1]], MASK)
