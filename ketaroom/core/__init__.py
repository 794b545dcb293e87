"""Pure session logic: presets, timeline, session state, clocks.

Nothing in this package imports Qt, libVLC, phue or APScheduler; a test checks it.
"""
