import pytest

from adapters.expertsender import DEFAULT_BASE_URL, ExpertSenderSettings
from adapters.model import Vendor


def test_transport_settings_carry_the_key_and_json_headers() -> None:
    settings = ExpertSenderSettings(DEFAULT_BASE_URL, "secret-key", timeout_s=3.0)
    transport = settings.transport_settings()
    assert transport.vendor is Vendor.EXPERTSENDER
    assert transport.base_url == "https://api.ecdp.app"
    assert transport.headers["x-api-key"] == "secret-key"
    assert transport.headers["Content-Type"] == "application/json"
    assert transport.timeout_s == 3.0


def test_the_key_is_not_in_the_repr() -> None:
    assert "secret-key" not in repr(ExpertSenderSettings(DEFAULT_BASE_URL, "secret-key"))


@pytest.mark.parametrize(
    "changes",
    [
        {"api_key": ""},
        {"max_concurrent_reads": 0},
        {"max_write_sends": 0},
        {"job_signing_key": "too-short"},
    ],
)
def test_invalid_settings_are_refused(changes: dict[str, object]) -> None:
    values: dict[str, object] = {"base_url": DEFAULT_BASE_URL, "api_key": "k", **changes}
    with pytest.raises(ValueError, match="ExpertSender settings"):
        ExpertSenderSettings(**values)  # type: ignore[arg-type]


def test_a_bad_base_url_is_refused_by_the_transport_settings() -> None:
    with pytest.raises(ValueError, match="base_url"):
        ExpertSenderSettings("ftp://nowhere", "k").transport_settings()
