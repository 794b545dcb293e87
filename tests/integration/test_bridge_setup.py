"""Bridge set-up without Qt: pairing, group listing and audio outputs, over real HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from ketaroom.devices.hue_emulator import Fault, HueEmulator
from ketaroom.devices.hue_groups import list_groups
from ketaroom.devices.lights import BridgeError, BridgeUnreachable, NotPaired, pair
from ketaroom.devices.music.outputs import AudioOutput, list_audio_outputs


@pytest.fixture
def emulator() -> Iterator[HueEmulator]:
    with HueEmulator() as bridge:
        yield bridge


def closed_port_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"


def test_pairing_needs_the_link_button(emulator: HueEmulator) -> None:
    with pytest.raises(NotPaired, match="link button"):
        pair(emulator.address)
    emulator.press_link_button()
    username = pair(emulator.address)
    assert username and username != emulator.username
    assert ("1", "Treatment room") in list_groups(emulator.address, username)


def test_list_groups_names_the_room(emulator: HueEmulator) -> None:
    assert list_groups(emulator.address, emulator.username) == [("1", "Treatment room")]


def test_list_groups_with_an_unknown_user_says_pair_again(emulator: HueEmulator) -> None:
    with pytest.raises(NotPaired, match="pair again"):
        list_groups(emulator.address, "not-a-user")
    with pytest.raises(NotPaired):
        list_groups(emulator.address, "")


def test_list_groups_on_a_closed_port_is_unreachable() -> None:
    with pytest.raises(BridgeUnreachable):
        list_groups(closed_port_address(), "someone", timeout_s=1.0)


def test_list_groups_turns_garbage_into_our_error(emulator: HueEmulator) -> None:
    emulator.set_fault(Fault.GARBAGE)
    with pytest.raises(BridgeError):
        list_groups(emulator.address, emulator.username)


def test_audio_outputs_always_offer_the_default() -> None:
    outputs = list_audio_outputs()
    assert isinstance(outputs, list) and outputs[0].id == "default"
    assert all(isinstance(o, AudioOutput) and o.id and o.description for o in outputs)
    assert len({o.id for o in outputs}) == len(outputs)


def test_audio_outputs_without_libvlc_still_offer_the_default(monkeypatch) -> None:
    import ketaroom.devices.music.outputs as outputs

    def broken() -> list[AudioOutput]:
        raise OSError("libvlc.so.5: cannot open shared object file")

    monkeypatch.setattr(outputs, "_enumerate", broken)
    assert [o.id for o in outputs.list_audio_outputs()] == ["default"]


def test_the_player_sends_each_deck_to_the_chosen_output(monkeypatch) -> None:
    vlc = pytest.importorskip("vlc")
    from ketaroom.devices.music import NullPlayer, create_player

    chosen: list[str] = []
    original = vlc.MediaPlayer.audio_output_device_set

    def spy(self: object, module: object, device: str) -> None:
        chosen.append(device)
        original(self, module, device)

    monkeypatch.setattr(vlc.MediaPlayer, "audio_output_device_set", spy)
    player = create_player("default", output_device="null")  # ALSA's discard device
    try:
        if isinstance(player, NullPlayer):
            pytest.skip("libVLC is not available here")
        assert chosen == ["null", "null"]
    finally:
        player.close()
    chosen.clear()
    create_player("dummy", output_device="null").close()  # adummy has no devices: ignored
    create_player("default", output_device="default").close()  # the system's choice
    assert chosen == []


def test_list_groups_leaves_out_group_zero_that_diyhue_lists() -> None:
    """diyHue answers ``GET /groups`` with group 0 ("Group 0", every light) too; the dialog
    already offers "All lights", so a second, oddly named all-lights entry is left out."""
    with HueEmulator(rooms={"Behandlungsraum": [1, 2], "Room B": [3]},
                     list_group_zero=True) as bridge:
        assert list_groups(bridge.address, bridge.username) == [
            ("1", "Behandlungsraum"), ("2", "Room B")]
