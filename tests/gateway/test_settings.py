from __future__ import annotations

import pytest

from gateway.errors import SettingsError
from gateway.settings import VARIABLES, GatewaySettings, load_settings, redact_url


def test_no_environment_gives_the_documented_defaults() -> None:
    settings = load_settings({})
    assert settings == GatewaySettings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert not settings.engage.configured and not settings.expertsender.configured
    assert settings.uses_sandbox


def test_values_are_parsed_into_their_types() -> None:
    settings = load_settings(
        {
            "GATEWAY_HOST": "0.0.0.0",
            "GATEWAY_PORT": "9000",
            "GATEWAY_WORKERS": "4",
            "ENGAGE_BASE_URL": "https://tenant.voyado.com/",
            "ENGAGE_API_KEY": "  key-1  ",
            "ENGAGE_RATE_LIMIT": "25.5",
            "EXPERTSENDER_TIMEOUT_S": "3",
            "SANDBOX_EXPERTSENDER_PORT": "8102",
            "SANDBOX_ENGAGE_URL": "http://127.0.0.1:8101",
            "GATEWAY_JOB_POLL_SCHEDULE": "0.1, 0.5,2",
            "GATEWAY_JOB_POLL_JITTER": "0.25",
            "GATEWAY_CACHE_TTL_S": "0",
            "GATEWAY_MAX_DEPTH": "7",
            "GATEWAY_MAX_ALIASES": "0",
            "GATEWAY_MAX_BODY_BYTES": "2048",
            "GATEWAY_GRAPHIQL": "off",
            "GATEWAY_LOG_LEVEL": "DEBUG",
            "GATEWAY_LOG_FORMAT": "JSON",
            "GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION": "3",
        }
    )
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 9000, 4)
    # A trailing slash would double up when the adapters join paths.
    assert settings.engage.base_url == "https://tenant.voyado.com"
    assert settings.engage.api_key == "key-1"
    assert settings.engage.configured
    assert settings.engage.rate_limit_per_s == 25.5
    assert settings.expertsender.timeout_s == 3.0
    assert settings.sandbox.expertsender_port == 8102
    assert settings.sandbox.engage_url == "http://127.0.0.1:8101"
    assert settings.jobs.poll_delays == (0.1, 0.5, 2.0)
    assert settings.jobs.poll_jitter == 0.25
    assert settings.cache_ttl_s == 0 and not settings.cache_enabled
    assert settings.limits.max_depth == 7
    assert settings.limits.max_aliases == 0
    assert settings.limits.max_body_bytes == 2048
    assert settings.graphiql is False
    assert settings.log_level == "debug"
    assert settings.log_format == "json"
    assert settings.max_subscriptions_per_connection == 3


def test_an_empty_variable_counts_as_unset() -> None:
    assert load_settings({"GATEWAY_PORT": "", "ENGAGE_BASE_URL": "  "}) == GatewaySettings()


def test_both_vendors_configured_means_no_sandbox() -> None:
    settings = load_settings(
        {
            "ENGAGE_BASE_URL": "https://t.voyado.com",
            "ENGAGE_API_KEY": "k",
            "EXPERTSENDER_BASE_URL": "https://api.ecdp.app",
            "EXPERTSENDER_API_KEY": "k2",
        }
    )
    assert not settings.uses_sandbox


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("GATEWAY_PORT", "eighty", "expected an integer"),
        ("GATEWAY_PORT", "70000", "between 0 and 65535"),
        ("GATEWAY_PORT", "-1", "between 0 and 65535"),
        ("GATEWAY_WORKERS", "0", "at least 1"),
        ("GATEWAY_HOST", "local host", "host name or IP"),
        ("ENGAGE_RATE_LIMIT", "0", "greater than 0"),
        ("ENGAGE_RATE_LIMIT", "nan", "finite number"),
        ("EXPERTSENDER_TIMEOUT_S", "fast", "expected a number"),
        ("ENGAGE_BASE_URL", "tenant.voyado.com", "http(s) URL"),
        ("ENGAGE_BASE_URL", "ftp://tenant.voyado.com", "http(s) URL"),
        ("ENGAGE_BASE_URL", "https://user:pw@tenant.voyado.com", "without credentials"),
        ("EXPERTSENDER_BASE_URL", "https://api.ecdp.app:99999", "http(s) URL"),
        ("SANDBOX_ENGAGE_URL", "127.0.0.1:8101", "http(s) URL"),
        ("GATEWAY_JOB_POLL_SCHEDULE", "0.1,,soon", "comma-separated positive seconds"),
        ("GATEWAY_JOB_POLL_SCHEDULE", "0.1,-1", "comma-separated positive seconds"),
        ("GATEWAY_JOB_POLL_JITTER", "1", "fraction"),
        ("GATEWAY_CACHE_TTL_S", "-5", "at least 0"),
        ("GATEWAY_MAX_TOKENS", "1.5", "expected an integer"),
        ("GATEWAY_GRAPHIQL", "maybe", "true/false"),
        ("GATEWAY_LOG_LEVEL", "loud", "expected one of"),
        ("GATEWAY_CORS_ORIGINS", "app.example.com", "origins such as"),
        ("GATEWAY_CORS_ORIGINS", "https://app.example.com/path", "origins such as"),
        ("GATEWAY_CORS_ORIGINS", "https://app.example.com, *", "origins such as"),
        ("GATEWAY_CORS_ORIGINS", ",", "at least one origin"),
        ("GATEWAY_BATCH_MAX", "-1", "between 0 and 100"),
        ("GATEWAY_PERSISTED_QUERIES", "sometimes", "true/false"),
        ("GATEWAY_LOG_FORMAT", "xml", "expected one of text, json"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert caught.value.variable == variable
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize("prefix", ["ENGAGE", "EXPERTSENDER"])
def test_a_url_without_a_key_is_refused(prefix: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({f"{prefix}_BASE_URL": "https://vendor.example.com"})
    assert caught.value.variable == f"{prefix}_API_KEY"
    assert f"{prefix}_BASE_URL" in str(caught.value)


@pytest.mark.parametrize("prefix", ["ENGAGE", "EXPERTSENDER"])
def test_a_key_without_a_url_is_refused(prefix: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({f"{prefix}_API_KEY": "secret-key-value"})
    assert caught.value.variable == f"{prefix}_BASE_URL"
    assert "secret-key-value" not in str(caught.value)


def test_the_api_key_never_appears_in_a_message_or_repr() -> None:
    settings = load_settings(
        {"ENGAGE_BASE_URL": "https://t.voyado.com", "ENGAGE_API_KEY": "top-secret-123"}
    )
    assert "top-secret-123" not in repr(settings)


def test_every_variable_maps_to_a_real_settings_field() -> None:
    defaults = GatewaySettings()
    for variable, (path, _) in VARIABLES.items():
        target: object = defaults
        for part in path.split("."):
            assert hasattr(target, part), f"{variable} points at a missing field {path}"
            target = getattr(target, part)


def test_sandbox_fault_rates_take_a_share_from_zero_to_one() -> None:
    settings = load_settings({"SANDBOX_FAULT_ERROR_RATE": "1", "SANDBOX_FAULT_DROP_RATE": "0"})
    assert settings.sandbox.faults.error_rate == 1.0
    with pytest.raises(SettingsError, match="SANDBOX_FAULT_RATE_LIMIT_RATE: expected a share"):
        load_settings({"SANDBOX_FAULT_RATE_LIMIT_RATE": "1.5"})


def test_sandbox_variants_name_a_mode() -> None:
    assert GatewaySettings().sandbox.variants == "documented"
    assert load_settings({"SANDBOX_VARIANTS": " Random:7 "}).sandbox.variants == "random:7"
    with pytest.raises(SettingsError, match=r"^SANDBOX_VARIANTS: expected one of documented"):
        load_settings({"SANDBOX_VARIANTS": "guessed"})


def test_shared_state_settings() -> None:
    settings = load_settings(
        {
            "GATEWAY_REDIS_URL": " redis://:s3cret@redis.internal:6380/2 ",
            "GATEWAY_REDIS_KEY_PREFIX": "shop-eu.prod",
            "GATEWAY_JOB_LEASE_TTL_S": "7.5",
        }
    )
    assert settings.redis_url == "redis://:s3cret@redis.internal:6380/2"
    assert settings.redis_key_prefix == "shop-eu.prod"
    assert settings.jobs.lease_ttl_s == 7.5
    assert "s3cret" not in repr(settings)
    defaults = load_settings({})
    assert defaults.redis_url is None and defaults.jobs.lease_ttl_s is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://:s3cret@localhost:6379", "redis://, rediss:// or unix://"),
        ("redis://:s3cret@localhost:port/0", "expected a redis:// URL"),
        ("redis://:s3cret@/0", "expected a host"),
        ("redis://:s3cret@localhost/zero", "database number"),
        ("unix://", "socket path"),
    ],
)
def test_a_bad_redis_url_is_named_without_its_password(value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"GATEWAY_REDIS_URL": value})
    assert caught.value.variable == "GATEWAY_REDIS_URL"
    assert expected in str(caught.value)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("prefix", ["has space", "glob*", "x" * 65, "a[b]"])
def test_a_key_prefix_that_could_match_other_keys_is_refused(prefix: str) -> None:
    with pytest.raises(SettingsError, match="GATEWAY_REDIS_KEY_PREFIX"):
        load_settings({"GATEWAY_REDIS_KEY_PREFIX": prefix})


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://user:pw@host:6379/0", "redis://user:***@host:6379/0"),
        ("rediss://:pw@host", "rediss://:***@host"),
        ("redis://host:6379", "redis://host:6379"),
    ],
)
def test_redact_url_masks_only_the_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_client_settings() -> None:
    assert load_settings({}).cors_origins == ()
    assert load_settings({}).batch_max == 0
    assert load_settings({}).persisted_queries is True
    settings = load_settings(
        {
            "GATEWAY_CORS_ORIGINS": "https://App.example.com:443, http://localhost:5173",
            "GATEWAY_BATCH_MAX": "10",
            "GATEWAY_PERSISTED_QUERIES": "off",
        }
    )
    assert settings.cors_origins == ("https://app.example.com", "http://localhost:5173")
    assert settings.batch_max == 10
    assert settings.persisted_queries is False
    assert load_settings({"GATEWAY_CORS_ORIGINS": " * "}).cors_origins == ("*",)


def test_the_default_vendor_rate_stays_under_engages_documented_limit() -> None:
    # Engage asks integrations to stay under 50 requests/s per key (engage-v3.md §8).
    assert GatewaySettings().engage.rate_limit_per_s < 50


def test_a_fault_latency_the_emulators_refuse_is_refused_with_its_variable() -> None:
    with pytest.raises(SettingsError, match="SANDBOX_FAULT_LATENCY_MS: expected an integer"):
        load_settings({"SANDBOX_FAULT_LATENCY_MS": "100000"})


def test_fault_rates_summing_past_one_are_refused_with_a_variable() -> None:
    environ = {"SANDBOX_FAULT_ERROR_RATE": "0.8", "SANDBOX_FAULT_DROP_RATE": "0.5"}
    with pytest.raises(SettingsError, match=r"SANDBOX_FAULT_DROP_RATE: rates: .* at most 1"):
        load_settings(environ)


def test_limits_against_hostile_clients() -> None:
    settings = load_settings(
        {
            "GATEWAY_MAX_COMPLEXITY": "500",
            "GATEWAY_MAX_COST": "50",
            "GATEWAY_MAX_VENDOR_CALLS": "80",
            "GATEWAY_VALIDATION_BUDGET_MS": "20",
            "GATEWAY_MAX_STRING_LENGTH": "4096",
            "GATEWAY_CLIENT_COST_RATE": "2.5",
            "GATEWAY_CLIENT_COST_BURST": "100",
            "GATEWAY_CLIENT_VENDOR_CONCURRENCY": "2",
            "GATEWAY_WS_INIT_TIMEOUT_S": "3",
            "GATEWAY_HEADER_TIMEOUT_S": "4",
            "GATEWAY_BODY_TIMEOUT_S": "5",
            "GATEWAY_MAX_CONNECTIONS": "200",
            "GATEWAY_LOG_MAX_BYTES": "1000000",
            "GATEWAY_INTROSPECTION": "off",
        }
    )
    limits = settings.limits
    assert (limits.max_complexity, limits.max_cost, limits.max_vendor_calls) == (500, 50, 80)
    assert (limits.validation_budget_ms, limits.max_string_length) == (20.0, 4096)
    assert (settings.clients.cost_rate, settings.clients.cost_burst) == (2.5, 100)
    assert settings.clients.vendor_concurrency == 2
    connections = settings.connections
    assert (connections.ws_init_timeout_s, connections.header_timeout_s) == (3.0, 4.0)
    assert (connections.body_timeout_s, connections.max_connections) == (5.0, 200)
    assert settings.log_max_bytes == 1_000_000
    assert settings.introspection_enabled is False


def test_introspection_defaults_to_on_only_with_the_sandbox() -> None:
    assert load_settings({}).introspection_enabled
    real = {
        "ENGAGE_BASE_URL": "https://t.voyado.com",
        "ENGAGE_API_KEY": "k",
        "EXPERTSENDER_BASE_URL": "https://api.ecdp.app",
        "EXPERTSENDER_API_KEY": "k",
    }
    assert not load_settings(real).introspection_enabled
    assert load_settings({**real, "GATEWAY_INTROSPECTION": "on"}).introspection_enabled


def test_secrets_are_the_api_keys_and_the_redis_password() -> None:
    settings = load_settings(
        {
            "ENGAGE_BASE_URL": "https://t.voyado.com",
            "ENGAGE_API_KEY": "engage-key",
            "GATEWAY_REDIS_URL": "redis://:redis-pass@127.0.0.1:6379/0",
            "GATEWAY_JOB_SIGNING_KEY": "0123456789abcdef",
        }
    )
    assert sorted(settings.secrets()) == ["0123456789abcdef", "engage-key", "redis-pass"]


def test_idempotency_lease_and_job_signing_key() -> None:
    settings = load_settings(
        {"GATEWAY_IDEMPOTENCY_LEASE_S": "2.5", "GATEWAY_JOB_SIGNING_KEY": " 0123456789abcdef "}
    )
    assert settings.idempotency_lease_s == 2.5
    assert settings.job_signing_key == "0123456789abcdef"
    assert "0123456789abcdef" not in repr(settings)
    assert load_settings({}).idempotency_lease_s == 5.0
    assert load_settings({}).job_signing_key is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GATEWAY_MAX_COST", "0"),
        ("GATEWAY_MAX_STRING_LENGTH", "10"),
        ("GATEWAY_CLIENT_COST_RATE", "-1"),
        ("GATEWAY_HEADER_TIMEOUT_S", "soon"),
        ("GATEWAY_INTROSPECTION", "maybe"),
    ],
)
def test_a_bad_limit_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({variable: value})
    assert str(raised.value).startswith(f"{variable}: ")


@pytest.mark.parametrize(
    ("variable", "value"),
    [("GATEWAY_IDEMPOTENCY_LEASE_S", "0"), ("GATEWAY_JOB_SIGNING_KEY", "short-key")],
)
def test_bad_exactly_once_settings_name_their_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert caught.value.variable == variable
    assert value not in str(caught.value) or variable != "GATEWAY_JOB_SIGNING_KEY"


def test_the_vendor_queue_deadline() -> None:
    assert load_settings({}).vendor_queue_s == 5.0
    assert load_settings({"GATEWAY_VENDOR_QUEUE_S": "12.5"}).vendor_queue_s == 12.5
    for bad in ("0", "-1", "soon"):
        with pytest.raises(SettingsError) as caught:
            load_settings({"GATEWAY_VENDOR_QUEUE_S": bad})
        assert caught.value.variable == "GATEWAY_VENDOR_QUEUE_S"
        assert "\n" not in str(caught.value)
