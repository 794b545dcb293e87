"""Installing ketaroom into the user's desktop: the freedesktop menu entry and icon."""
