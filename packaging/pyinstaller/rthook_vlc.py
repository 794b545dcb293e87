"""PyInstaller runtime hook: use the libVLC and plugins inside the build, never the system's.

Runs before ketaroom's code in the one-folder build. python-vlc reads
``PYTHON_VLC_LIB_PATH`` (the library to load) and ``PYTHON_VLC_MODULE_PATH`` (its plugins);
libVLC itself reads ``VLC_PLUGIN_PATH``. libvlccore is loaded first, globally, so that
libvlc and every plugin find the bundled copy whatever the library search path says.
"""

import ctypes
import os
import sys

_base = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
_plugins = os.path.join(_base, "vlc", "plugins")
if sys.platform == "win32":
    _core, _lib = "libvlccore.dll", "libvlc.dll"
    os.add_dll_directory(_base)
else:
    _core, _lib = "libvlccore.so.9", "libvlc.so.5"
if os.path.isfile(os.path.join(_base, _lib)):
    ctypes.CDLL(os.path.join(_base, _core), mode=ctypes.RTLD_GLOBAL)
    os.environ["PYTHON_VLC_LIB_PATH"] = os.path.join(_base, _lib)
    os.environ["PYTHON_VLC_MODULE_PATH"] = _plugins
    os.environ["VLC_PLUGIN_PATH"] = _plugins
