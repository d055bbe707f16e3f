import importlib
import inspect
import pkgutil

import pytest
from graphql import GraphQLError

import adapters.errors
import gateway
from adapters.errors import (
    AlreadyExists,
    ClientError,
    FieldError,
    RateLimited,
    UnsupportedByVendor,
    ValidationFailed,
)
from adapters.model import Vendor
from gateway import errors
from gateway.errors import (
    BadUserInput,
    UserErrorInfo,
    input_path,
    is_public_error,
    to_camel,
    upstream_failure,
    user_errors_from,
)


def test_field_errors_become_user_errors_with_graphql_input_paths() -> None:
    exc = ValidationFailed(
        "The order is invalid",
        field_errors=(
            FieldError(("lines", "0", "sku"), "The field id is required."),
            FieldError(("currency",), "must be 3 characters", code="Length"),
        ),
        vendor=Vendor.EXPERTSENDER,
    )
    errors = user_errors_from(exc, base_path=("input", "order"))
    assert errors == [
        UserErrorInfo(
            "VALIDATION_FAILED",
            "The field id is required.",
            ("input", "order", "lines", "0", "sku"),
        ),
        # One vocabulary: the kind of mistake is the code, the vendor's own code rides along.
        UserErrorInfo(
            "VALIDATION_FAILED",
            "must be 3 characters",
            ("input", "order", "currency"),
            vendor_code="Length",
        ),
    ]


def test_client_error_keeps_the_vendors_messages() -> None:
    exc = AlreadyExists(
        "Order A-1 already exists",
        vendor=Vendor.ENGAGE,
        vendor_messages=("Order already exists", "Order A-1 already exists"),
    )
    assert user_errors_from(exc) == [
        UserErrorInfo("ORDER_ALREADY_EXISTS", "Order A-1 already exists"),
        UserErrorInfo("ORDER_ALREADY_EXISTS", "Order already exists"),
    ]


def test_unsupported_by_vendor_code_survives() -> None:
    [error] = user_errors_from(UnsupportedByVendor("no actions"))
    assert error.code == "UNSUPPORTED_BY_VENDOR"


def test_upstream_errors_carry_code_vendor_and_status_in_extensions() -> None:
    failure = upstream_failure(
        RateLimited("Too many requests", vendor=Vendor.ENGAGE, upstream_status=429)
    )
    assert failure.extensions == {
        "code": "RATE_LIMITED",
        "vendor": "ENGAGE",
        "upstreamStatus": 429,
    }
    located = GraphQLError(failure.message, original_error=failure)
    assert located.extensions == failure.extensions
    assert is_public_error(located)


def test_only_gateway_errors_and_graphql_errors_are_public() -> None:
    assert is_public_error(GraphQLError("Syntax Error: Unexpected Name"))
    assert is_public_error(GraphQLError("bad", original_error=BadUserInput("bad")))
    assert not is_public_error(
        GraphQLError("secret", original_error=RuntimeError("key=abc at http://10.0.0.1"))
    )


def test_paths_are_camel_cased_and_kept_when_already_input_paths() -> None:
    assert to_camel("returned_quantity") == "returnedQuantity"
    assert input_path(("input", "order"), ("lines", "2", "unit_price")) == (
        "input",
        "order",
        "lines",
        "2",
        "unitPrice",
    )
    assert input_path(("input", "order"), ("input", "orderAction")) == ("input", "orderAction")


# --- one hierarchy, in one module ----------------------------------------------------------


def _gateway_modules() -> list[str]:
    return [info.name for info in pkgutil.walk_packages(gateway.__path__, "gateway.")]


def test_every_gateway_exception_is_defined_in_gateway_errors_under_one_root() -> None:
    elsewhere = []
    for name in _gateway_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
            ):
                elsewhere.append(f"{name}.{value.__qualname__}")
    assert [name for name in elsewhere if not name.startswith("gateway.errors.")] == []
    defined = [
        value
        for value in vars(errors).values()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == "gateway.errors"
    ]
    assert len(defined) > 20
    assert all(issubclass(value, errors.GatewayException) for value in defined)
    # The module's documented tree names every one of them.
    assert errors.__doc__ is not None
    assert [value.__name__ for value in defined if value.__name__ not in errors.__doc__] == []


def test_a_vendor_refusal_has_one_python_name_whichever_channel_reports_it() -> None:
    # A query field reports a refusal as a GraphQL error, a mutation as a UserError: both
    # under the adapter's class, not under a gateway twin of it.
    refusals = {
        value.code: value.__name__
        for value in vars(adapters.errors).values()
        if inspect.isclass(value) and issubclass(value, ClientError) and value is not ClientError
    }
    twins = [
        f"{value.__name__} repeats {refusals[value.code]}"
        for value in vars(errors).values()
        if inspect.isclass(value)
        and issubclass(value, errors.GatewayException)
        and value.__module__ == "gateway.errors"
        and "code" in vars(value)
        and value.code in refusals
    ]
    assert twins == []


def test_a_refusal_at_a_query_field_keeps_its_code_and_vendor() -> None:
    failure = errors.field_failure(UnsupportedByVendor("cannot list", vendor=Vendor.EXPERTSENDER))
    assert is_public_error(GraphQLError(failure.message, original_error=failure))
    assert failure.extensions == {"code": "UNSUPPORTED_BY_VENDOR", "vendor": "EXPERTSENDER"}


REACHES_A_CLIENT = {
    errors.BodyTooLarge: "PAYLOAD_TOO_LARGE",
    errors.BodyTimedOut: "REQUEST_TIMEOUT",
    errors.CredentialRefused: "UNAUTHENTICATED",
    errors.CredentialUncheckable: "AUTHENTICATION_UNAVAILABLE",
    errors.IdempotencyKeyReused: "IDEMPOTENCY_KEY_REUSED",
    errors.ClientRateLimited: "RATE_LIMITED",
    errors.VendorCallLimitReached: "MAX_COST_EXCEEDED",
    errors.TrustedDocumentRequired: "TRUSTED_DOCUMENT_REQUIRED",
    errors.Unauthenticated: "UNAUTHENTICATED",
    errors.Forbidden: "FORBIDDEN",
    errors.StateStoreUnavailable: "STATE_STORE_UNAVAILABLE",
}


@pytest.mark.parametrize(("exception", "code"), sorted(REACHES_A_CLIENT.items(), key=str))
def test_an_exception_that_reaches_a_client_carries_its_code(
    exception: type[errors.GatewayException], code: str
) -> None:
    assert exception.code == code


def test_a_graphql_error_shows_its_code_and_the_rest_of_its_extensions() -> None:
    limited = errors.ClientRateLimited("slow down", 7).as_graphql_error()
    assert (limited.message, limited.extensions) == (
        "slow down",
        {"code": "RATE_LIMITED", "retryAfter": 7},
    )
    refused = errors.PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
    assert refused.result().errors == [
        GraphQLError("PersistedQueryNotFound", extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})
    ]
