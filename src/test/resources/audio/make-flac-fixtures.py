#!/usr/bin/env python3
"""Writes the FLAC fixtures of FlacReaderTest with the reference encoder (Debian package `flac`).

The samples are integers from TestFlacs.pattern (the same arithmetic in Java), so the test compares the decoded
FLAC with a WAV of exactly these samples. Run from this folder: python3 make-flac-fixtures.py
"""
import struct
import subprocess
import tempfile
import os
import wave


def pattern(channel, i, bits, state):
    # Linear congruential noise plus integer saw waves: LPC, FIXED and stereo decorrelation all have work to do.
    state[0] = (state[0] * 1103515245 + 12345) % (1 << 31)
    noise = ((state[0] >> 16) % 65) - 32
    if channel == 0:
        v = ((i * 37) % 1000 - 500) * 20 + noise
    else:
        v = ((i * 53) % 800 - 400) * 30 + (noise >> 1)
    if bits == 24:
        v = v * 256 + (i * 13) % 256 - 128
    return v


def write(name, channels, bits, rate, frames):
    state = [0x1234567]
    samples = []
    for i in range(frames):
        for c in range(channels):
            samples.append(pattern(c, i, bits, state))
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        with wave.open(tmp.name, "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(bits // 8)
            w.setframerate(rate)
            if bits == 16:
                w.writeframes(struct.pack("<%dh" % len(samples), *samples))
            else:
                w.writeframes(b"".join(struct.pack("<i", s)[:3] for s in samples))
        subprocess.run(["flac", "-s", "-f", "-8", "--blocksize=1152", "--no-padding", "-o", name, tmp.name], check=True, stderr=subprocess.DEVNULL)
    os.chmod(name, 0o644)


write("mono16.flac", 1, 16, 16000, 2500)
write("stereo16.flac", 2, 16, 16000, 2500)
write("stereo24-48k.flac", 2, 24, 48000, 1500)
