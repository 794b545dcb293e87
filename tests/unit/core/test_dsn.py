"""A records-server address shows its password as dots and gets it back exactly."""

from __future__ import annotations

import pytest

from ketaroom.core.dsn import MASK, hide_password_in, mask_password, unmask_password

SAVED = [
    "postgresql://ketaroom:p%40ss:w0rd@records.clinic:5432/clinic?sslmode=require",
    "postgres://ketaroom:x@10.0.0.2/clinic",
    "postgresql://ketaroom@records.clinic/clinic?password=abc&sslmode=require",
    "host=records.clinic password='a b\\'c' dbname=clinic",
    "host=records.clinic password=plain dbname=clinic",
]


@pytest.mark.parametrize("dsn", SAVED)
def test_the_password_is_hidden_and_comes_back_exactly(dsn: str) -> None:
    shown = mask_password(dsn)
    assert MASK in shown and shown.count(MASK) == 1
    assert "p%40ss" not in shown and "abc" not in shown and "plain" not in shown
    assert "b\\'c" not in shown
    assert unmask_password(shown, dsn) == dsn


@pytest.mark.parametrize("dsn", ["postgresql://ketaroom@records.clinic/clinic",
                                 "host=records.clinic dbname=clinic", ""])
def test_an_address_without_password_is_shown_as_it_is(dsn: str) -> None:
    assert mask_password(dsn) == dsn
    assert unmask_password(dsn, dsn) == dsn


def test_edits_around_the_mask_keep_the_password_and_a_typed_one_replaces_it() -> None:
    saved = "postgresql://ketaroom:secret@old.clinic/clinic"
    assert unmask_password(f"postgresql://ketaroom:{MASK}@new.clinic/clinic", saved) == \
        "postgresql://ketaroom:secret@new.clinic/clinic"
    assert unmask_password("postgresql://ketaroom:other@new.clinic/clinic", saved) == \
        "postgresql://ketaroom:other@new.clinic/clinic"
    assert unmask_password(f"postgresql://ketaroom:{MASK}@h/c", None) == \
        "postgresql://ketaroom:@h/c"


def test_a_message_quoting_the_password_shows_the_mask() -> None:
    dsn = "postgresql://ketaroom:se%zzcret@h/c"
    assert hide_password_in('invalid percent-encoded token: "se%zzcret"', dsn) == \
        f'invalid percent-encoded token: "{MASK}"'
    assert hide_password_in("no password here", "host=h dbname=c") == "no password here"
