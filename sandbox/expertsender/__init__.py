"""Emulator of the ExpertSender CDP Orders API, built from the vendor's documentation."""

from sandbox.expertsender.app import create_app
from sandbox.expertsender.settings import ExpertSenderSandboxSettings

__all__ = ["ExpertSenderSandboxSettings", "create_app"]
