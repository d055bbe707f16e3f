import pytest
import strawberry

from gateway.schema import build_schema


@pytest.fixture(scope="session")
def schema() -> strawberry.Schema:
    return build_schema()
