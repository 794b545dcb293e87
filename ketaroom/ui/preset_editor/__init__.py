"""The preset editor: phases, music, light and cues of one preset file, in parts.

* :mod:`.window` — :class:`PresetEditor`: the document, undo, save; :mod:`.layout` builds
  its widgets, :mod:`.gate` puts the admin PIN in front, :mod:`.undo` is one undo step;
* :mod:`.phase_table` — :class:`PhaseTableModel` and the phase table with its buttons;
* :mod:`.phase_form` — the form of one phase (music, light, cues) and :mod:`.edits`, the
  document changes it makes;
* :mod:`.problems` — the checks list and the mapping of a problem's field path to a field;
* :mod:`.preview_controls` — previews of a phase on the room's devices;
* :mod:`.common` — form helpers, the editor's style rules, the playlist names offered.
"""

from ketaroom.ui.preset_editor.common import playlist_choices
from ketaroom.ui.preset_editor.phase_table import PhaseTableModel
from ketaroom.ui.preset_editor.window import PresetEditor

__all__ = ["PhaseTableModel", "PresetEditor", "playlist_choices"]
