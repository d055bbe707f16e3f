"""Following accepted vendor jobs to their final state, and streaming their progress."""

from gateway.jobs.poller import JOB_NOT_FOUND, JOB_TIMEOUT, PollStats
from gateway.jobs.schedule import DEFAULT_POLL_DELAYS, PollSchedule
from gateway.jobs.store import JobStore, MemoryJobStore, SaveResult, TrackedJob
from gateway.jobs.tracker import DEFAULT_JOB_TIMEOUT_S, JobTracker, TrackerStats, job_topic

__all__ = [
    "DEFAULT_JOB_TIMEOUT_S",
    "DEFAULT_POLL_DELAYS",
    "JOB_NOT_FOUND",
    "JOB_TIMEOUT",
    "JobStore",
    "JobTracker",
    "MemoryJobStore",
    "PollSchedule",
    "PollStats",
    "SaveResult",
    "TrackedJob",
    "TrackerStats",
    "job_topic",
]
