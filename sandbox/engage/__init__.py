"""Emulator of Voyado Engage v3 Orders (plus the contact look-ups an orders integration uses)."""
