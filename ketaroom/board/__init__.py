"""``ketaroom board``: the nurse-station window, every room's state from MQTT.

Its own UI (not part of the room window): :mod:`~ketaroom.board.model` is plain Python,
:mod:`~ketaroom.board.feed` brings messages from paho's thread to Qt's, and
:mod:`~ketaroom.board.window` draws the tiles.
"""
