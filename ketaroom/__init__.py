"""ketaroom: session room control for ketamine-therapy clinics."""


def __getattr__(name: str) -> str:
    """``__version__``: the installed distribution's version (pyproject.toml's, through the
    package metadata), read on first use — importlib.metadata costs the window's start-up
    about 70 ms it does not need."""
    if name != "__version__":
        raise AttributeError(f"module 'ketaroom' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ketaroom")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
