"""ExpertSender jobs carry themselves in signed ids: readable anywhere, unforgeable."""

import base64
import zlib

import orjson
import pytest

from adapters.errors import JobNotFound
from adapters.expertsender.jobs import SignedJobs, derive_key
from adapters.model import JobMessage, JobOperation, JobState, Vendor

KEY = derive_key("sandbox-api-key")


def test_a_minted_job_is_read_back_from_its_id_alone_by_another_instance() -> None:
    warning = JobMessage("FIELD_NOT_SUPPORTED", "no place", ("lines", "0", "totalPrice"))
    job = SignedJobs(KEY).mint(JobOperation.CREATE, "o-1", [warning])
    assert (job.vendor, job.state, job.order_id) == (Vendor.EXPERTSENDER, JobState.COMPLETED, "o-1")
    assert job.created_at == job.updated_at == job.finished_at
    # A fresh instance (another process, after a restart) holds no state at all.
    assert SignedJobs(KEY).get(job.job_id) == job


def test_two_identical_writes_get_two_jobs() -> None:
    jobs = SignedJobs(KEY)
    assert jobs.mint(JobOperation.DELETE, "o").job_id != jobs.mint(JobOperation.DELETE, "o").job_id


def test_an_id_signed_with_another_key_is_not_found() -> None:
    job = SignedJobs(derive_key("another deployment")).mint(JobOperation.CREATE, "o-1")
    with pytest.raises(JobNotFound) as caught:
        SignedJobs(KEY).get(job.job_id)
    assert caught.value.vendor is Vendor.EXPERTSENDER


def test_a_forged_job_is_not_found() -> None:
    job = SignedJobs(KEY).mint(JobOperation.CREATE, "o-1")
    version, payload, signature = job.job_id.split(".")
    claims = orjson.loads(zlib.decompress(base64.urlsafe_b64decode(payload + "==")))
    claims["i"] = "someone-elses-order"
    forged = base64.urlsafe_b64encode(zlib.compress(orjson.dumps(claims))).decode().rstrip("=")
    with pytest.raises(JobNotFound):
        SignedJobs(KEY).get(f"{version}.{forged}.{signature}")


@pytest.mark.parametrize("garbage", ["", "abc", "j1..", "j1.!!!.x", "0123456789abcdef" * 300])
def test_garbage_is_not_found(garbage: str) -> None:
    with pytest.raises(JobNotFound):
        SignedJobs(KEY).get(garbage)


def test_very_many_warnings_keep_their_codes_and_fields_in_a_bounded_id() -> None:
    warnings = [
        JobMessage("FIELD_NOT_SUPPORTED", f"message {i} " + "x" * 200, ("lines", str(i)))
        for i in range(200)
    ]
    job = SignedJobs(KEY).mint(JobOperation.CREATE, "o-1", warnings)
    assert len(job.job_id) <= 4000
    read = SignedJobs(KEY).get(job.job_id)
    assert [(w.code, w.field) for w in read.warnings] == [(w.code, w.field) for w in warnings]


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError):
        SignedJobs(b"short")
