"""Device adapters: music through libVLC, lights through a Hue bridge, and the bridge emulator.

Nothing above this package ever sees vlc or phue types or exceptions.
"""
