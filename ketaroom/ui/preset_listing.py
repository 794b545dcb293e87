"""The preset picker's list: every preset read and validated, the room's default found.

Reading the list validates every preset (ruamel.yaml and the validator: a few tens of
milliseconds each). At start-up the window does it on a worker thread while the room's
devices start (:func:`read_in_background`), so its first moments never freeze; later
(settings saved, presets edited) it reads them at once (:func:`read`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketaroom.core.validation import LoadResult
    from ketaroom.ui.session_panel import PresetEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PresetListing:
    entries: list[PresetEntry]
    default: Path | None
    """The room's default preset among them (``None``: none set, or not found)."""
    default_loaded: LoadResult | None = None
    """The default preset already validated (read in the background with the list)."""


def default_preset_path(entries: list[PresetEntry], name: str | None) -> Path | None:
    """The entry the settings' ``default_preset`` names (file name, path or stem)."""
    if not name:
        return None
    for entry in entries:
        if name in (entry.path.name, str(entry.path), entry.path.stem):
            return entry.path
    return None


def read(data_dir: Path, default_name: str | None) -> PresetListing:
    from ketaroom.ui.session_panel import find_presets

    entries = find_presets(data_dir)
    return PresetListing(entries, default_preset_path(entries, default_name))


def read_in_background(data_dir: Path, default_name: str | None,
                       post: Callable[[Callable[[], None]], None],
                       done: Callable[[PresetListing], None]) -> None:
    """:func:`read` plus the default preset's validation on a worker thread; ``done`` gets
    the listing through ``post`` (the main thread). A folder that cannot be read gives an
    empty list (the picker says "No presets"; the log has why)."""
    def work() -> None:
        from ketaroom.core.validation import load_preset
        from ketaroom.store.paths import playlist_dirs

        try:
            listing = read(data_dir, default_name)
            if listing.default is not None:
                loaded = load_preset(listing.default, playlist_dirs=playlist_dirs(data_dir))
                listing = PresetListing(listing.entries, listing.default, loaded)
        except Exception:  # the window must come up whatever the preset folders hold
            log.exception("the presets could not be read")
            listing = PresetListing([], None)
        post(lambda: done(listing))

    threading.Thread(target=work, name="ketaroom-presets", daemon=True).start()
