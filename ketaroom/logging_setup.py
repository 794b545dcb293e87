"""Where log lines go, and what never appears in them.

Owns :func:`configure_logging` (one stderr handler for the window and the command line:
ketaroom's own messages at ``app_level``; other libraries' — phue, apscheduler, fontTools… —
only from WARNING unless ``verbose``) and :class:`SecretFilter`, on that handler, which
redacts credentials wherever they appear in a record, its arguments or its traceback: every
value given to :func:`register_secret` (the Hue adapter registers the bridge username, pairing
the new one), plus the forms a Hue username takes in other libraries' messages
(``Using username: …``, ``/api/<username>/…``).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from typing import TextIO

REDACTED = "[redacted]"
MIN_SECRET_LEN = 6
"""Shorter values are not registered: redacting them would garble ordinary words."""

_PATTERNS = (
    re.compile(r"(username(?: from config)?:\s*)[^\s'\",}]+", re.IGNORECASE),
    re.compile(r"(/api/)(?!config\b)[A-Za-z0-9_-]{6,}"),
    re.compile(r"""(['"]username['"]\s*:\s*['"])[^'"]+"""),
)
_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Never log ``value`` again (from now on, in every record of every logger)."""
    if value and len(value) >= MIN_SECRET_LEN:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret and every Hue-username form redacted."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class SecretFilter(logging.Filter):
    """Rewrites a record so that its message and traceback carry no credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken log call: redact its parts instead
            message = None
            record.msg = redact(str(record.msg))
            record.args = tuple(redact(str(a)) for a in record.args) if isinstance(
                record.args, tuple) else record.args
        if message is not None:
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (it may be replaced)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


class _OursOrWarnings(logging.Filter):
    """Lets through ketaroom's records from ``app_level`` and the others' from WARNING."""

    def __init__(self, app_level: int) -> None:
        super().__init__()
        self.app_level = app_level

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name == "ketaroom" or record.name.startswith("ketaroom.")
        return record.levelno >= (self.app_level if ours else logging.WARNING)


def configure_logging(*, verbose: bool = False, app_level: int = logging.WARNING,
                      stream: TextIO | None = None) -> logging.Handler:
    """Send log records to ``stream`` (default: the current ``sys.stderr``), credentials
    redacted; returns the handler.

    ``verbose``: every library's records from INFO (and ketaroom's from ``app_level`` or
    INFO, whichever is lower). Replaces a handler a previous call installed.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_ketaroom", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler._ketaroom = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter())
    if verbose:
        app_level = min(app_level, logging.INFO)
    else:
        handler.addFilter(_OursOrWarnings(app_level))
    root.addHandler(handler)
    root.setLevel(min(app_level, logging.INFO if verbose else logging.WARNING))
    return handler
