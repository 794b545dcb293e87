"""Setting up a room's Hue bridge: find it, pair with it, choose the room's light group.

Owns :class:`BridgeSetupDialog` (the three steps, or "demo mode": no bridge) and
:class:`BackgroundCall` (runs one blocking call on a worker thread and hands its result to the
main thread through a queued signal; the room settings dialog uses it too).

The calls themselves come from a :class:`~ketaroom.session.device_setup.DeviceSetup` (wired by
the composition root; the dialog imports no device). Nothing slow runs on the Qt main
thread: mDNS discovery, each pairing attempt (``POST /api``) and the group listing each run
on a short-lived daemon thread. Pairing tries about once a
second for 30 s while the dialog counts down, so the link button may be pressed before or
after choosing *Pair*.
"""

from __future__ import annotations

import re
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaroom.session.device_setup import BridgeProblem, BridgeSetupError, DeviceSetup
from ketaroom.store.settings import BridgeSettings
from ketaroom.ui.background_call import BackgroundCall
from ketaroom.ui.widgets import Panel, muted_label

__all__ = ["BridgeSetupDialog", "normalize_address", "say"]

PAIR_WINDOW_S = 30.0
"""The bridge accepts pairing for 30 s after its link button is pressed."""
ATTEMPT_INTERVAL_S = 1.0
DISCOVERY_S = 3.0
TICK_MS = 200
ALL_LIGHTS = "All lights on the bridge"

GROUP_HINT = "Pair first; then the bridge's rooms and zones appear here."

_ADDRESS = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)(:[0-9]{1,5})?$")


def normalize_address(text: str) -> str | None:
    """``host`` or ``host:port`` from what was typed (``http://`` and ``/`` dropped)."""
    value = text.strip()
    for prefix in ("http://", "https://"):
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
    value = value.rstrip("/")
    match = _ADDRESS.match(value)
    if match is None:
        return None
    port = match.group(2)
    if port and not 0 < int(port[1:]) < 65536:
        return None
    return value


def say(label: QLabel, text: str, *, problem: bool = False) -> None:
    """Show ``text`` in ``label``: muted when informative, warm amber when something is wrong;
    an empty text hides the label (no blank line is left)."""
    label.setText(text)
    label.setVisible(bool(text))
    restyle(label, "problem" if problem else "muted")


def restyle(widget: QWidget, object_name: str) -> None:
    """Change the object name the style sheet keys on, and re-apply the style."""
    if widget.objectName() != object_name:
        widget.setObjectName(object_name)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def _problem(error: object) -> BridgeProblem | None:
    return error.problem if isinstance(error, BridgeSetupError) else None


class BridgeSetupDialog(QDialog):
    """Find, pair and choose a group. After ``exec()`` returns Accepted, :attr:`result_bridge`
    is the room's bridge, or ``None`` when *Use demo mode (no bridge)* was chosen.

    ``current`` pre-fills the address and, while the address is unchanged, lets the group be
    changed without pairing again. ``room_name`` preselects a group of that name.
    """

    def __init__(self, setup: DeviceSetup, current: BridgeSettings | None,
                 parent: QWidget | None = None, *, room_name: str = "",
                 pair_window_s: float = PAIR_WINDOW_S,
                 attempt_interval_s: float = ATTEMPT_INTERVAL_S) -> None:
        super().__init__(parent)
        self.setObjectName("bridgeSetup")
        self.setWindowTitle("Hue bridge for this room")
        self.result_bridge: BridgeSettings | None = current
        self._current = current
        self._room_name = room_name
        self._pair_window_s = pair_window_s
        self._attempt_interval_s = attempt_interval_s
        self._setup = setup
        self._paired: tuple[str, str] | None = (
            (current.address, current.username) if current is not None else None)
        self._pair_address = ""
        self._deadline = 0.0
        self._next_attempt = 0.0

        self._search_call = BackgroundCall(self)
        self._search_call.done.connect(self._on_search_done)
        self._pair_call = BackgroundCall(self)
        self._pair_call.done.connect(self._on_pair_answer)
        self._groups_call = BackgroundCall(self)
        self._groups_call.done.connect(self._on_groups_done)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)

        self._build()
        if current is not None:
            self.address_field.setText(current.address)
            say(self.pair_status, "Paired already. Pair again only if the bridge was reset "
                                  "or replaced.")
            self._load_groups()
        self._update_buttons()

    # -- construction --------------------------------------------------------------------

    def _build(self) -> None:
        find = Panel("1 · Find the bridge")
        self.search_button = QPushButton("Search the network")
        self.search_button.clicked.connect(self._on_search)
        self.search_status = muted_label("Or type its address below.", wrap=True)
        row = QHBoxLayout()
        row.addWidget(self.search_button)
        row.addWidget(self.search_status, 1)
        find.body.addLayout(row)
        self.found_list = QListWidget()
        self.found_list.setVisible(False)
        self.found_list.currentItemChanged.connect(self._on_found_chosen)
        find.body.addWidget(self.found_list)
        self.address_field = QLineEdit()
        self.address_field.setPlaceholderText("Bridge address, e.g. 192.168.1.20 or host:port")
        self.address_field.setAccessibleName("Bridge address")
        self.address_field.textEdited.connect(self._on_address_edited)
        self.address_field.returnPressed.connect(self._on_pair)
        find.body.addWidget(self.address_field)

        link = Panel("2 · Pair")
        self.instruction = QLabel("Press the round link button on the bridge, then choose "
                                  f"Pair. ketaroom keeps trying for {self._pair_window_s:g} "
                                  "seconds.")
        self.instruction.setWordWrap(True)
        self.pair_button = QPushButton("Pair")
        self.pair_button.setObjectName("primary")
        self.pair_button.clicked.connect(self._on_pair)
        self.countdown = QProgressBar()
        self.countdown.setRange(0, int(self._pair_window_s * 1000))
        self.countdown.setVisible(False)
        self.pair_status = muted_label("", wrap=True)
        say(self.pair_status, "")
        self.pair_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.instruction, 1)
        row.addWidget(self.pair_button)
        link.body.addLayout(row)
        link.body.addWidget(self.countdown)
        link.body.addWidget(self.pair_status)

        group = Panel("3 · Light group of this room")
        self.group_combo = QComboBox()
        self.group_combo.setAccessibleName("Light group")
        self.group_combo.setPlaceholderText("No group yet")
        self.group_status = muted_label(GROUP_HINT, wrap=True)
        group.body.addWidget(self.group_combo)
        group.body.addWidget(self.group_status)

        self.demo_button = QPushButton("Use demo mode (no bridge)")
        self.demo_button.setToolTip("Forget this room's bridge: the lights are simulated")
        self.demo_button.clicked.connect(self._on_demo)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Use this bridge")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self._on_save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 18)
        layout.setSpacing(12)
        for panel in (find, link, group):
            layout.addWidget(panel)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(640)

    # -- state ---------------------------------------------------------------------------

    @property
    def pairing(self) -> bool:
        return self._tick.isActive()

    @property
    def username(self) -> str | None:
        """The username the bridge gave ketaroom (or the current one), if any."""
        return self._paired[1] if self._paired is not None else None

    def _update_buttons(self) -> None:
        self.pair_button.setText("Stop" if self.pairing
                                 else "Pair again" if self._paired is not None else "Pair")
        restyle(self.pair_button, "" if self._paired is not None else "primary")
        self.search_button.setEnabled(not self._search_call.busy)
        self.address_field.setEnabled(not self.pairing)
        self.group_combo.setEnabled(self._paired is not None and self.group_combo.count() > 0)
        self.save_button.setEnabled(self._paired is not None and not self.pairing)

    # -- 1: find -------------------------------------------------------------------------

    def _on_search(self) -> None:
        say(self.search_status, f"Searching the network (about {DISCOVERY_S:g} s)…")
        self._search_call.start(lambda: self._setup.discover_bridges(DISCOVERY_S),
                                "ketaroom-hue-discovery")
        self._update_buttons()

    def _on_search_done(self, found: object, error: object) -> None:
        self.found_list.clear()
        bridges = found if isinstance(found, list) else []
        for name, address in bridges:
            item = QListWidgetItem(f"{name}  —  {address}")
            item.setData(Qt.ItemDataRole.UserRole, address)
            self.found_list.addItem(item)
        rows = min(len(bridges), 3)
        self.found_list.setVisible(rows > 0)
        if rows:
            self.found_list.setFixedHeight(rows * self.found_list.sizeHintForRow(0)
                                          + 2 * self.found_list.frameWidth())
        if not bridges:
            say(self.search_status, "No bridge answered. Type its address below (the Hue app "
                                    "shows it in the bridge's settings).", problem=True)
        else:
            count = len(bridges)
            say(self.search_status, f"Found {count} bridge{'s' if count > 1 else ''}. "
                                    "Choose one, or type an address.")
            if count == 1:
                self.found_list.setCurrentRow(0)
        self._update_buttons()

    def _on_found_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is None or self.pairing:
            return
        self.address_field.setText(str(item.data(Qt.ItemDataRole.UserRole)))
        self._on_address_edited(self.address_field.text())

    def _on_address_edited(self, text: str) -> None:
        address = normalize_address(text)
        if self._paired is not None and address != self._paired[0]:
            self._paired = None
            self._groups_call.cancel()
            self.group_combo.clear()
            say(self.pair_status, "New address: pair with this bridge.")
            say(self.group_status, GROUP_HINT)
        self._update_buttons()

    # -- 2: pair -------------------------------------------------------------------------

    def _on_pair(self) -> None:
        if self.pairing:
            self._stop_pairing()
            say(self.pair_status, "Pairing stopped.")
            return
        address = normalize_address(self.address_field.text())
        if address is None:
            say(self.pair_status, "Type the bridge's address first (for example 192.168.1.20), "
                                  "or search the network.", problem=True)
            self.address_field.setFocus()
            return
        self.address_field.setText(address)
        self._pair_address = address
        now = time.monotonic()
        self._deadline = now + self._pair_window_s
        self._next_attempt = now
        self.countdown.setVisible(True)
        self._tick.start()
        self._on_tick()
        self._update_buttons()

    def _on_tick(self) -> None:
        now = time.monotonic()
        left = self._deadline - now
        if left <= 0:
            self._stop_pairing()
            say(self.pair_status, "The link button was not pressed in time. Press the round "
                                  "button on the bridge, then choose Pair again.", problem=True)
            return
        self.countdown.setValue(int(left * 1000))
        say(self.pair_status, f"Waiting for the link button… {int(left + 0.999)} s left")
        if not self._pair_call.busy and now >= self._next_attempt:
            self._next_attempt = now + self._attempt_interval_s
            address = self._pair_address
            self._pair_call.start(lambda: self._setup.pair_bridge(address), "ketaroom-hue-pair")

    def _stop_pairing(self) -> None:
        self._tick.stop()
        self._pair_call.cancel()
        self.countdown.setVisible(False)
        self._update_buttons()

    def _on_pair_answer(self, username: object, error: object) -> None:
        if _problem(error) is BridgeProblem.NOT_PAIRED:
            return  # the button has not been pressed yet: the next tick tries again
        self._stop_pairing()
        if _problem(error) is BridgeProblem.UNREACHABLE:
            say(self.pair_status, f"The bridge at {self._pair_address} is not answering — "
                                  "check its power and network, and the address.", problem=True)
            return
        if error is not None or not isinstance(username, str):
            say(self.pair_status, f"The bridge did not pair: {error}", problem=True)
            return
        self._paired = (self._pair_address, username)
        say(self.pair_status, f"Paired. The bridge knows ketaroom as {username}")
        self._load_groups()

    # -- 3: group ------------------------------------------------------------------------

    def _load_groups(self) -> None:
        if self._paired is None:
            return
        address, username = self._paired
        say(self.group_status, "Asking the bridge for its rooms and zones…")
        self._groups_call.start(lambda: self._setup.list_bridge_groups(address, username),
                                "ketaroom-hue-groups")
        self._update_buttons()

    def _on_groups_done(self, groups: object, error: object) -> None:
        self.group_combo.clear()
        self.group_combo.addItem(ALL_LIGHTS, None)
        if error is not None:
            hint = ("pair again" if _problem(error) is BridgeProblem.NOT_PAIRED
                    else "check the bridge, then open this again")
            say(self.group_status, f"Could not list the light groups ({hint}): {error}",
                problem=True)
        found = groups if isinstance(groups, list) else []
        for gid, name in found:
            self.group_combo.addItem(f"{name}  (group {gid})", gid)
        same_bridge = (self._current is not None and self._paired is not None
                       and self._current.address == self._paired[0])
        wanted = self._current.group if same_bridge and self._current is not None else None
        index = self.group_combo.findData(wanted) if wanted is not None else -1
        if index < 0:
            index = next((i + 1 for i, (_gid, name) in enumerate(found)
                          if name.casefold() == self._room_name.casefold()), -1)
        if index < 0 and len(found) == 1:
            index = 1
        self.group_combo.setCurrentIndex(max(index, 0))
        if error is None:
            say(self.group_status, "Choose the group that holds this room's lights.")
        self._update_buttons()

    def choose_group(self, name: str) -> bool:
        """Select the group called ``name`` (for tests and scripted set-up)."""
        for index in range(self.group_combo.count()):
            if self.group_combo.itemText(index).split("  (group ")[0] == name:
                self.group_combo.setCurrentIndex(index)
                return True
        return False

    # -- finish --------------------------------------------------------------------------

    def _on_save(self) -> None:
        if self._paired is None:
            return
        address, username = self._paired
        group = self.group_combo.currentData() if self.group_combo.count() else None
        if not self.group_combo.count() and self._current is not None \
                and self._current.address == address:
            group = self._current.group  # groups not listed (bridge busy): keep the old one
        self.result_bridge = BridgeSettings(address, username,
                                            str(group) if group is not None else None)
        self.accept()

    def _on_demo(self) -> None:
        self.result_bridge = None
        self.accept()

    def done(self, result: int) -> None:
        self._tick.stop()
        for call in (self._search_call, self._pair_call, self._groups_call):
            call.cancel()
        super().done(result)
