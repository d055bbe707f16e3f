"""Emulator of Voyado Engage v3 Orders (plus the contact look-ups an orders integration uses).

`create_app(EngageSandboxSettings(...))` builds the Starlette app; `DEMO_INDEX` lists its demo data.
"""

from sandbox.engage.app import create_app
from sandbox.engage.demo import DEMO_INDEX
from sandbox.engage.settings import DEFAULT_API_KEY, DEFAULT_JOB_DELAY_MS, EngageSandboxSettings

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_JOB_DELAY_MS",
    "DEMO_INDEX",
    "EngageSandboxSettings",
    "create_app",
]
