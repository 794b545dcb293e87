"""Reading a small file that someone else may have put there: regular files only, size-capped.

``open(path).read()`` on a FIFO blocks until a writer appears (forever, in practice), and on
a device such as ``/dev/zero`` never ends. :func:`read_bytes` checks the path is a regular
file no larger than ``limit`` before opening it, opens it with ``O_NONBLOCK`` (so a file
swapped for a FIFO between the check and the open cannot block the open), checks the opened
file again, and reads at most ``limit + 1`` bytes. Every refusal is an :class:`OSError`
whose ``strerror`` is a calm reason for messages.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["FileTooLargeError", "NotARegularFileError", "read_bytes", "read_text"]

_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
          | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


class NotARegularFileError(OSError):
    """The path is a FIFO, a socket, a device… not a regular file (folders: IsADirectoryError)."""


class FileTooLargeError(OSError):
    """The file is larger than the caller's limit."""


def _not_regular(mode: int) -> str:
    """Why a non-regular file is refused, for messages."""
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    return "is not a regular file"


def _check(mode: int, size: int, path: Path, limit: int) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    if not stat.S_ISREG(mode):
        raise NotARegularFileError(errno.EINVAL, _not_regular(mode), str(path))
    if size > limit:
        raise FileTooLargeError(errno.EFBIG, f"is too large (over {_size(limit)})", str(path))


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"


def read_bytes(path: str | os.PathLike[str], limit: int) -> bytes:
    """The content of the regular file ``path`` (at most ``limit`` bytes); never blocks.

    Raises :class:`FileNotFoundError`, :class:`IsADirectoryError`,
    :class:`NotARegularFileError`, :class:`FileTooLargeError` or another :class:`OSError`.
    """
    path = Path(path)
    info = os.stat(path)
    _check(info.st_mode, info.st_size, path, limit)
    fd = os.open(path, _FLAGS)
    try:
        info = os.fstat(fd)  # the file actually opened, which may not be the one checked
        _check(info.st_mode, info.st_size, path, limit)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:  # it grew after the check
        raise FileTooLargeError(errno.EFBIG, f"is too large (over {_size(limit)})", str(path))
    return b"".join(chunks)


def read_text(path: str | os.PathLike[str], limit: int, encoding: str = "utf-8") -> str:
    """:func:`read_bytes` decoded (raises :class:`UnicodeDecodeError` on bad bytes)."""
    return read_bytes(path, limit).decode(encoding)
