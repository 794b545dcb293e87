"""ketaroom: session room control for ketamine-therapy clinics."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ketaroom")
    """The installed distribution's version (pyproject.toml's, through the package metadata)."""
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
