"""Generate the bundled calm ambient tracks procedurally (numpy), deterministically.

``python -m ketaroom.tools.make_music [--out resources/music]``;
``python -m ketaroom.tools.make_music --test-sound resources/sounds/test-sound.ogg`` writes
only the room check's short test sound (:func:`render_test_sound`).

Each track: slow pads (a few detuned sine/triangle partials per chord tone), attack and
release envelopes of several seconds, chord changes every 15–30 s in a consonant key
(crossfaded with raised-cosine curves), a soft low drone, a little low-passed pink
noise "air"; no percussion, no transients. Loudness-normalised to −23 LUFS
(pyloudnorm, ITU-R BS.1770), peak ≤ −3 dBFS, 44.1 kHz stereo OGG Vorbis (q≈0.3),
written in chunks (one big ``soundfile.write`` of a long OGG segfaults). Prints per-track
loudness, peak and the largest step between consecutive 100 ms windows.
Needs the dev extras (numpy, soundfile, pyloudnorm).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SR = 44100
TARGET_LUFS = -23.0
PEAK_DBFS = -3.0


@dataclass(frozen=True)
class TrackSpec:
    name: str
    seed: int
    root_hz: float
    progression: tuple[tuple[int, ...], ...]  # semitone offsets from the root
    seconds: float
    chord_s: tuple[float, float]  # min/max seconds per chord
    brightness: float  # 0..1, how much of the upper partials
    air: float  # pink-noise level (linear, before normalisation)
    shape: str  # "sine" | "triangle"


# Consonant, slow progressions (major/minor 7ths, sus2, add9); roots low and warm.
TRACKS: tuple[TrackSpec, ...] = (
    TrackSpec("arrival_shore", 11, 110.00, ((0, 7, 12, 16), (5, 12, 17, 21), (-3, 4, 12, 16),
              (2, 9, 14, 17)), 222, (18, 26), 0.55, 0.012, "triangle"),
    TrackSpec("onset_drift", 23, 98.00, ((0, 7, 14, 16), (-4, 3, 10, 15), (5, 12, 16, 19),
              (0, 7, 11, 16)), 216, (20, 30), 0.45, 0.010, "sine"),
    TrackSpec("deep_tide", 37, 73.42, ((0, 7, 12, 15), (-2, 5, 10, 14), (-4, 3, 12, 15),
              (0, 7, 10, 14)), 234, (22, 30), 0.30, 0.014, "sine"),
    TrackSpec("deep_hollow", 41, 82.41, ((0, 7, 12, 19), (5, 12, 17, 24), (0, 7, 14, 19),
              (-5, 2, 7, 14)), 228, (24, 30), 0.25, 0.016, "sine"),
    TrackSpec("return_dawn", 53, 130.81, ((0, 4, 7, 14), (5, 9, 12, 16), (-3, 4, 9, 12),
              (7, 11, 14, 19)), 216, (16, 24), 0.60, 0.009, "triangle"),
    TrackSpec("reorient_window", 67, 146.83, ((0, 4, 7, 11), (5, 9, 12, 16), (2, 5, 9, 12),
              (7, 11, 14, 17)), 210, (15, 22), 0.65, 0.008, "triangle"),
    TrackSpec("still_meadow", 79, 87.31, ((0, 7, 12, 16), (-3, 4, 9, 12), (5, 9, 12, 17),
              (2, 7, 9, 14)), 222, (18, 28), 0.40, 0.011, "sine"),
)


def _osc(phase: np.ndarray, shape: str) -> np.ndarray:
    if shape == "triangle":
        # band-limited-ish triangle: first three odd harmonics
        return (np.sin(phase) - np.sin(3 * phase) / 9 + np.sin(5 * phase) / 25) * 0.9
    return np.sin(phase)


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pink noise by 1/f spectral shaping, then a gentle low-pass (soft "air")."""
    white = rng.standard_normal(n)
    spec = np.fft.rfft(white)
    f = np.fft.rfftfreq(n, 1 / SR)
    f[0] = f[1]
    shaped = spec / np.sqrt(f) / (1 + (f / 2500.0) ** 2)
    out = np.fft.irfft(shaped, n)
    return out / (np.max(np.abs(out)) + 1e-12)


def _schedule(spec: TrackSpec, rng: np.random.Generator) -> list[tuple[float, float, int]]:
    """(start_s, end_s, chord index) with overlapping ends for slow crossfades."""
    out, t, i = [], 0.0, 0
    while t < spec.seconds:
        dur = float(rng.uniform(*spec.chord_s))
        out.append((t, min(spec.seconds, t + dur), i % len(spec.progression)))
        t += dur
        i += 1
    return out


def render(spec: TrackSpec) -> np.ndarray:
    """Stereo float64 (n, 2), not yet normalised."""
    rng = np.random.default_rng(spec.seed)
    n = int(spec.seconds * SR)
    t = np.arange(n) / SR
    left = np.zeros(n)
    right = np.zeros(n)
    xf = 7.0  # seconds of chord crossfade (attack / release)
    for start, end, idx in _schedule(spec, rng):
        a = max(0, int((start - xf / 2) * SR))
        b = min(n, int((end + xf / 2) * SR))
        seg_t = t[a:b]
        env = np.ones(b - a)
        rise = min(int(xf * SR), (b - a) // 2)
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, rise))
        if a > 0:
            env[:rise] = ramp
        else:  # track start: an even slower fade-in
            first = min(int(10 * SR), b - a)
            env[:first] = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, first)))
        env[-rise:] *= ramp[::-1]
        for k, semi in enumerate(spec.progression[idx]):
            freq = spec.root_hz * 2 ** (semi / 12)
            level = 0.22 if k == 0 else 0.16 * (spec.brightness ** (0.5 * (k - 1)))
            for detune, pan in ((-0.0025, 0.3), (0.0, 0.5), (0.003, 0.7)):
                ph0 = rng.uniform(0, 2 * np.pi)
                lfo = 1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.03, 0.08) * seg_t
                                        + rng.uniform(0, 6.28))
                sig = _osc(2 * np.pi * freq * (1 + detune) * seg_t + ph0, spec.shape)
                sig *= env * lfo * level
                left[a:b] += sig * np.cos(pan * np.pi / 2)
                right[a:b] += sig * np.sin(pan * np.pi / 2)
    # soft drone on the root, an octave down, slowly breathing
    drone = 0.18 * np.sin(2 * np.pi * spec.root_hz / 2 * t) * (
        0.8 + 0.2 * np.sin(2 * np.pi * 0.021 * t))
    air_l = _pink(n, rng) * spec.air * (0.7 + 0.3 * np.sin(2 * np.pi * 0.013 * t))
    air_r = _pink(n, rng) * spec.air * (0.7 + 0.3 * np.sin(2 * np.pi * 0.017 * t + 1))
    stereo = np.stack([left + drone + air_l * 8, right + drone + air_r * 8], axis=1)
    # whole-track fade in (12 s) and fade out (15 s): no abrupt start or end
    fade_in = min(n, int(12 * SR))
    fade_out = min(n, int(15 * SR))
    stereo[:fade_in] *= (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade_in)))[:, None]
    stereo[-fade_out:] *= (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, fade_out)))[:, None]
    return stereo


TEST_SOUND_S = 3.5
TEST_SOUND_LEAD_S = 0.5
"""Digital silence before the sound: a calm lead-in while the player's fade starts (added
when a fresh stream's first ~150 ms could play at the safe-start pad's −43 dB; the player's
start is digital silence since, see ``devices/music/vlc_backend.py``)."""
TEST_SOUND_HZ = (220.0, 329.63, 440.0)
"""A3, E4, A4: an open fifth, warm and plain, nothing a patient could take for an alarm."""


def render_test_sound() -> np.ndarray:
    """The room check's test sound: 0.5 s of silence, then a soft sustained chord, 3.5 s,
    with a 0.5 s raised-cosine attack and a 1 s release (stereo float64, not yet
    normalised). Unlike the tracks (a 12 s fade-in), it is audible from its first second."""
    n = int(TEST_SOUND_S * SR)
    t = np.arange(n) / SR
    x = sum(level * np.sin(2 * np.pi * hz * t)
            for hz, level in zip(TEST_SOUND_HZ, (0.5, 0.3, 0.2), strict=True))
    env = np.ones(n)
    rise, fall = int(0.5 * SR), int(1.0 * SR)
    env[:rise] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, rise))
    env[-fall:] = 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, fall))
    mono = np.concatenate([np.zeros(int(TEST_SOUND_LEAD_S * SR)), x * env])
    return np.stack([mono, mono], axis=1)


def normalise(x: np.ndarray) -> tuple[np.ndarray, float]:
    import pyloudnorm

    meter = pyloudnorm.Meter(SR)
    gain_db = TARGET_LUFS - meter.integrated_loudness(x)
    y = x * 10 ** (gain_db / 20)
    peak = np.max(np.abs(y))
    limit = 10 ** (PEAK_DBFS / 20)
    if peak > limit:
        y *= limit / peak
    return y, float(meter.integrated_loudness(y))


def window_profile(x: np.ndarray, win_s: float = 0.1) -> np.ndarray:
    """RMS in dBFS per window (mono sum)."""
    mono = x.mean(axis=1)
    w = int(win_s * SR)
    frames = mono[: len(mono) // w * w].reshape(-1, w)
    return 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-10)


def write_ogg(path: Path, x: np.ndarray) -> None:
    import soundfile as sf

    # libsndfile's compression level 0..1 maps inversely to Vorbis quality: 0.7 ≈ q3
    with sf.SoundFile(str(path), "w", SR, 2, format="OGG", subtype="VORBIS",
                      compression_level=0.7) as f:
        step = SR * 5
        for i in range(0, len(x), step):
            f.write(x[i:i + step].astype(np.float32))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("resources/music"))
    parser.add_argument("--only", nargs="*", help="track names to render")
    parser.add_argument("--test-sound", type=Path, metavar="FILE",
                        help="write only the room check's test sound to FILE")
    args = parser.parse_args(argv)
    if args.test_sound is not None:
        y, lufs = normalise(render_test_sound())
        args.test_sound.parent.mkdir(parents=True, exist_ok=True)
        write_ogg(args.test_sound, y)
        peak = 20 * np.log10(np.max(np.abs(y)))
        print(f"{args.test_sound}: {len(y) / SR:g} s, {lufs:.1f} LUFS, peak {peak:.1f} dBFS, "
              f"{args.test_sound.stat().st_size / 1e3:.0f} kB")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0.0
    for spec in TRACKS:
        if args.only and spec.name not in args.only:
            continue
        y, lufs = normalise(render(spec))
        path = args.out / f"{spec.name}.ogg"
        write_ogg(path, y)
        prof = window_profile(y)
        body = prof[int(15 / 0.1):-int(16 / 0.1)]  # ignore the deliberate fade in/out
        step = float(np.max(np.abs(np.diff(body))))
        per_s = window_profile(y, 1.0)
        peak = 20 * np.log10(np.max(np.abs(y)))
        total += spec.seconds
        print(f"{path.name}: {spec.seconds / 60:.2f} min, {lufs:.1f} LUFS, peak {peak:.1f} dBFS,"
              f" max 100 ms step {step:.2f} dB, per-second RMS {per_s[15:-16].min():.1f}.."
              f"{per_s[15:-16].max():.1f} dBFS, {path.stat().st_size / 1e6:.1f} MB")
    print(f"total {total / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
