"""Following accepted vendor jobs to their final state, and streaming their progress."""

from gateway.jobs.poller import JOB_TIMEOUT, PollStats
from gateway.jobs.schedule import PollSchedule
from gateway.jobs.store import (
    AbandonedJobs,
    JobRecords,
    JobStore,
    MemoryJobStore,
    SaveResult,
    TrackedJob,
    save_superseding,
    supersedes,
)
from gateway.jobs.tracker import JobTracker, TrackerStats, job_topic

__all__ = [
    "JOB_TIMEOUT",
    "AbandonedJobs",
    "JobRecords",
    "JobStore",
    "JobTracker",
    "MemoryJobStore",
    "PollSchedule",
    "PollStats",
    "SaveResult",
    "TrackedJob",
    "TrackerStats",
    "job_topic",
    "save_superseding",
    "supersedes",
]
