from __future__ import annotations

from graphql import parse

from gateway.guard.input_limits import check_document, check_variables

CAP = 1000


def test_variables_are_checked_by_the_input_names_they_sit_under() -> None:
    assert check_variables({"input": {"order": {"orderId": "x" * 128}}}, CAP) == []
    [error] = check_variables({"input": {"order": {"orderId": "x" * 129}}}, CAP)
    assert error.message == "`input.order.orderId` is 129 characters long; the limit is 128"
    assert error.extensions == {
        "code": "BAD_USER_INPUT",
        "field": ["input", "order", "orderId"],
        "maxLength": 128,
    }


def test_lists_and_json_scalars_are_checked_to_the_cap() -> None:
    assert check_variables({"data": {"deep": [["y" * CAP]]}}, CAP) == []
    [error] = check_variables({"data": {"deep": [["y" * (CAP + 1)]]}}, CAP)
    assert "data.deep.0.0" in error.message


def test_a_lone_surrogate_is_refused() -> None:
    [error] = check_variables({"email": "a\ud800@example.com"}, CAP)
    assert "surrogate" in error.message and error.extensions is not None
    assert error.extensions["code"] == "BAD_USER_INPUT"


def test_literals_and_variables_passed_as_arguments_are_checked_by_argument_name() -> None:
    literal = parse(f'{{ contact(vendor: ENGAGE, email: "{"e" * 321}") {{ id }} }}')
    [error] = check_document(literal, None, CAP)
    assert error.message.endswith("the limit is 320")
    through_variable = parse(
        "query($x: String!) { ...F }\n"
        "fragment F on Query { order(vendor: ENGAGE, orderId: $x) { id } }"
    )
    assert check_document(through_variable, {"x": "o" * 128}, CAP) == []
    [error] = check_document(through_variable, {"x": "o" * 129}, CAP)
    assert error.message == "`orderId` is 129 characters long; the limit is 128"
