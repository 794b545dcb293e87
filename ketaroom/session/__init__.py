"""The session layer: what runs a session between the window (or rehearse) and the devices.

Start reading at :mod:`ketaroom.session.service` (the window's one door to the room; what
it owns is in :mod:`~ketaroom.session.room_hardware`, :mod:`~ketaroom.session.room_records`,
:mod:`~ketaroom.session.room_check_runner` and :mod:`~ketaroom.session.links`), then
:mod:`ketaroom.session.assemble` (how a session is put together),
:mod:`ketaroom.session.controller` (session events → device targets and records),
:mod:`ketaroom.session.runner` (wake-ups), :mod:`ketaroom.session.devices` (the room's
player and lights behind one façade), :mod:`ketaroom.session.recorder` (the journal
writer thread) and :mod:`ketaroom.session.recovery` (crash recovery).

Imports no Qt widgets and nothing of :mod:`ketaroom.ui`.
"""
