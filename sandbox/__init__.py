"""Emulators of the vendor APIs, built from the vendors' documentation with their own code.

Nothing here imports `adapters` or `gateway`: an emulator that shared the adapters' models would
agree with their mistakes instead of catching them.
"""
