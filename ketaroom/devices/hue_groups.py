"""List a Hue bridge's light groups (rooms and zones), for choosing a room's group at set-up.

Owns :func:`list_groups`: one ``GET /api/<username>/groups`` through the shared
:func:`~ketaroom.devices.lights.hue_http.request_json` (overall deadline, size cap). It
blocks for up to ``timeout_s`` (call it off the Qt main thread) and raises only our own
lights exceptions (:class:`NotPaired` for an unknown username, :class:`BridgeUnreachable`,
:class:`BridgeError` for anything else odd), never phue's or the socket's. Group ``0`` (all
lights) is implicit on every bridge and is not listed, even when the bridge lists it (the
diyHue emulator answers it as "Group 0": the set-up dialog offers "All lights" itself).
"""

from __future__ import annotations

from urllib.parse import quote

from ketaroom.devices.lights.base import BridgeError, NotPaired
from ketaroom.devices.lights.hue_http import request_json
from ketaroom.logging_setup import register_secret

__all__ = ["list_groups"]


def list_groups(address: str, username: str, timeout_s: float = 2.0) -> list[tuple[str, str]]:
    """``[(group id, name), …]`` sorted by id (numeric ids in number order)."""
    if not username:
        raise NotPaired("not paired with the bridge yet: pair first")
    register_secret(username)
    data = request_json(address, "GET", f"/api/{quote(username, safe='')}/groups", None,
                      timeout_s)
    if not isinstance(data, dict):
        raise BridgeError("the bridge answered the group list with something unexpected",
                          transient=False)
    groups: list[tuple[str, str]] = []
    for gid, info in data.items():
        if str(gid) == "0":
            continue
        name = info.get("name") if isinstance(info, dict) else None
        groups.append((str(gid), name if isinstance(name, str) and name else f"Group {gid}"))
    groups.sort(key=lambda item: (not item[0].isdigit(),
                                  int(item[0]) if item[0].isdigit() else 0, item[0]))
    return groups
