"""`python -m sandbox.engage`: command-line options become emulator settings."""

from __future__ import annotations

import pytest

from sandbox.engage import __main__ as entry
from sandbox.engage.settings import EngageSandboxSettings


def test_options_become_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[str, int, EngageSandboxSettings | None]] = []
    monkeypatch.setattr(
        entry, "run", lambda host, port, settings: started.append((host, port, settings))
    )
    entry.main(["--host", "0.0.0.0", "--port", "9000", "--job-delay-ms", "5", "--no-demo-data"])
    [(host, port, settings)] = started
    assert (host, port) == ("0.0.0.0", 9000)
    assert settings == EngageSandboxSettings(job_delay_ms=5, seed_demo_data=False)


def test_bad_options_exit_with_usage() -> None:
    with pytest.raises(SystemExit) as exc:
        entry.main(["--port", "not-a-number"])
    assert exc.value.code == 2
