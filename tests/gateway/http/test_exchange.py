"""The negotiated response is found again from its request, and only a negotiated response."""

from starlette.requests import Request

from gateway.http.exchange import NegotiatedResponse, negotiated_response


def _request() -> Request:
    return Request({"type": "http", "method": "POST", "path": "/graphql", "headers": []})


def test_a_request_without_a_negotiated_response_has_none() -> None:
    assert negotiated_response(_request()) is None


def test_the_attached_response_is_found_from_its_request_only() -> None:
    request, other = _request(), _request()
    response = NegotiatedResponse("application/graphql-response+json")
    response.attach(request)
    assert negotiated_response(request) is response
    assert negotiated_response(other) is None
    assert response.batch is False
    assert "content-length" not in response.headers


def test_something_else_under_the_state_key_is_not_taken_for_it() -> None:
    request = _request()
    request.state.gateway_negotiated_response = "not a response"
    assert negotiated_response(request) is None
