"""Emulator of the ExpertSender CDP Orders API, built from the vendor's documentation."""

from sandbox.expertsender.app import create_app
from sandbox.expertsender.demo import DEMO
from sandbox.expertsender.inferred import DEFAULT_API_KEY
from sandbox.expertsender.settings import ExpertSenderSandboxSettings

__all__ = ["DEFAULT_API_KEY", "DEMO", "ExpertSenderSandboxSettings", "create_app"]
