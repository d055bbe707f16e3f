"""The Redis persisted-query store: shared between processes, and bounded in bytes."""

from gateway.documents import DEFAULT_MAX_DOCUMENT_CHARS, document_hash
from gateway.redis import SharedState
from tests.support.redis import connected_state


def _padded(index: int, size: int) -> str:
    head = f"query Q{index} {{ __typename }}"
    return head + " " * (size - len(head))


async def _bytes_under(state: SharedState, prefix: str) -> int:
    total = 0
    async for key in state.client.scan_iter(match=f"{prefix}:*"):
        total += int(await state.client.memory_usage(key) or 0)
    return total


async def test_a_document_one_process_registers_another_finds(
    redis_url: str, redis_prefix: str
) -> None:
    async with (
        connected_state(redis_url, redis_prefix) as one,
        connected_state(redis_url, redis_prefix) as two,
    ):
        document = "query Shared { __typename }"
        await one.document_store().register(document_hash(document), document)
        assert await two.document_store().lookup(document_hash(document)) == document
        assert await two.document_store().lookup(document_hash("query Other { x }")) is None


async def test_documents_registered_past_the_bound_push_out_the_least_recently_used(
    shared_state: SharedState, redis_prefix: str
) -> None:
    # Padding costs a client nothing (no tokens), so unique padded documents of a megabyte
    # each are the cheapest way to fill the store.
    store = shared_state.document_store()
    megabyte = 1024 * 1024
    documents = [_padded(index, megabyte) for index in range(48)]
    await store.register(document_hash(documents[0]), documents[0])
    for document in documents[1:]:
        await store.register(document_hash(document), document)
        # The first is in use all along: used documents stay.
        assert await store.lookup(document_hash(documents[0])) == documents[0]

    # Redis's allocator rounds each megabyte value up by about a fifth; unbounded, the 48
    # documents took about 63 MB here.
    assert await _bytes_under(shared_state, redis_prefix) <= DEFAULT_MAX_DOCUMENT_CHARS * 1.3
    assert await store.lookup(document_hash(documents[1])) is None
    assert await store.lookup(document_hash(documents[-1])) == documents[-1]


async def test_a_document_larger_than_the_bound_is_not_kept(
    shared_state: SharedState, redis_prefix: str
) -> None:
    store = shared_state.document_store()
    small = "query Small { __typename }"
    await store.register(document_hash(small), small)
    huge = _padded(0, DEFAULT_MAX_DOCUMENT_CHARS + 1)
    await store.register(document_hash(huge), huge)
    assert await store.lookup(document_hash(huge)) is None
    assert await store.lookup(document_hash(small)) == small
