"""The emulator answer variants a test run uses: ``SANDBOX_VARIANTS`` (default ``documented``).

CI runs the adapter and end-to-end suites once per variant (``make test-variants``), so a test
that passes only because an emulator answers an invented detail fails in one of those runs.
"""

from __future__ import annotations

import os

from sandbox.variants import Variants

VARIABLE = "SANDBOX_VARIANTS"


def variants_mode() -> str:
    return Variants.parse(os.environ.get(VARIABLE) or "documented").mode


def run_variants() -> Variants:
    return Variants.parse(variants_mode())
