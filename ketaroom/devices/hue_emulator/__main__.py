"""``python -m ketaroom.devices.hue_emulator``: the bridge emulator standalone."""

from ketaroom.devices.hue_emulator.cli import main

raise SystemExit(main())
