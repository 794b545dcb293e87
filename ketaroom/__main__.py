"""Allows ``python -m ketaroom``."""

from ketaroom.cli import main

raise SystemExit(main())
