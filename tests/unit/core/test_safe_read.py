"""Tests for :mod:`ketaroom.core.safe_read`: FIFOs, devices, folders and big files are refused."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ketaroom.core.safe_read import (
    FileTooLargeError,
    NotARegularFileError,
    read_bytes,
    read_text,
)
from tests.helpers.blocking import finishes

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


def test_reads_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello\n")
    assert read_bytes(path, 100) == b"hello\n"
    assert read_text(path, 100) == "hello\n"


@needs_fifo
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    got = finishes(lambda: read_bytes(fifo, 100))
    assert isinstance(got, NotARegularFileError)
    assert "FIFO" in got.strerror


@needs_fifo
def test_a_file_swapped_for_a_fifo_after_the_check_does_not_block(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: x\n")
    real_stat = os.stat

    def stat_then_swap(target: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        result = real_stat(target, *args, **kwargs)
        if Path(target) == path:
            path.unlink()
            os.mkfifo(path)
        return result

    monkeypatch.setattr(os, "stat", stat_then_swap)
    got = finishes(lambda: read_bytes(path, 100))
    assert isinstance(got, NotARegularFileError)


def test_a_device_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    got = finishes(lambda: read_bytes("/dev/zero", 100))
    assert isinstance(got, NotARegularFileError)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        read_bytes(tmp_path, 100)


def test_too_large_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2048)
    with pytest.raises(FileTooLargeError, match="over 1 KB"):
        read_bytes(path, 1024)
    assert read_bytes(path, 2048) == b"x" * 2048


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path / "nope", 100)
