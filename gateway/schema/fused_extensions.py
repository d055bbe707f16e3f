"""Several Strawberry schema extensions run as one.

On every request and for every lifecycle step, Strawberry looks up that step's hook on each
extension, wraps each hook it finds in a new context manager and enters them through an exit
stack: with the gateway's four extensions, that bookkeeping cost about as much as what their
hooks do. ``fused_extensions`` makes one extension of them whose class knows, once, which part
has which hook. Each of its hooks runs its parts' hooks the way Strawberry's exit stack does: in
the order given on the way in, in reverse on the way out, an exception thrown into each on the
way out (a part may replace or swallow it), and a part entered before another part failed to
enter is left as Strawberry leaves it.

A part that overrides ``resolve`` (it wraps every field) cannot be fused: Strawberry decides
per extension whether to run the field middleware, so such a part is refused at the start.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from enum import Enum
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.utils.await_maybe import await_maybe

ExtensionFactory = Callable[[], SchemaExtension]
LIFECYCLE_HOOKS = ("on_operation", "on_parse", "on_validate", "on_execute", "on_stream_result")


class _Kind(Enum):
    GENERATOR = "generator"
    ASYNC_GENERATOR = "async generator"
    FUNCTION = "function"
    COROUTINE_FUNCTION = "coroutine function"

    @property
    def is_async(self) -> bool:
        return self in (_Kind.ASYNC_GENERATOR, _Kind.COROUTINE_FUNCTION)


def _kind(hook: Callable[..., Any]) -> _Kind:
    if inspect.isgeneratorfunction(hook):
        return _Kind.GENERATOR
    if inspect.isasyncgenfunction(hook):
        return _Kind.ASYNC_GENERATOR
    if inspect.iscoroutinefunction(hook):
        return _Kind.COROUTINE_FUNCTION
    return _Kind.FUNCTION


# (index of the part, its class's hook, how to run it)
Plan = tuple[tuple[int, Callable[..., Any], _Kind], ...]


class FusedExtension(SchemaExtension):
    """The parts, in order; the hooks are added per combination of part classes."""

    def __init__(self, parts: Sequence[SchemaExtension]) -> None:
        self.parts = tuple(parts)

    @property
    def execution_context(self) -> ExecutionContext:
        return self.parts[0].execution_context

    @execution_context.setter
    def execution_context(self, value: ExecutionContext) -> None:
        for part in self.parts:
            part.execution_context = value


def fused_extensions(
    factories: Sequence[type[SchemaExtension] | ExtensionFactory],
) -> ExtensionFactory:
    """A factory (one extension per request, as Strawberry asks) running ``factories``' extensions
    as one; each factory is an extension class or a callable building one."""
    makers = tuple(factories)

    def build() -> SchemaExtension:
        parts = [make() for make in makers]
        return _fused_class(tuple(type(part) for part in parts))(parts)

    return build


_CLASSES: dict[tuple[type[SchemaExtension], ...], type[FusedExtension]] = {}


def _fused_class(types: tuple[type[SchemaExtension], ...]) -> type[FusedExtension]:
    known = _CLASSES.get(types)
    if known is not None:
        return known
    refused = [t.__name__ for t in types if t._implements_resolve()]
    if refused:
        raise TypeError(f"extensions that wrap every field cannot be fused: {', '.join(refused)}")
    namespace: dict[str, Any] = {}
    for name in LIFECYCLE_HOOKS:
        default = getattr(SchemaExtension, name)
        plan: Plan = tuple(
            (index, hook, _kind(hook))
            for index, part_type in enumerate(types)
            if (hook := getattr(part_type, name)) is not default
        )
        if plan:
            is_async = any(kind.is_async for _, _, kind in plan)
            namespace[name] = _async_hook(plan) if is_async else _sync_hook(plan)
    results = [t.get_results for t in types if t.get_results is not SchemaExtension.get_results]
    if results:
        namespace["get_results"] = _results(any(map(inspect.iscoroutinefunction, results)))
    fused = type("FusedExtension", (FusedExtension,), namespace)
    _CLASSES[types] = fused
    return fused


def _sync_hook(plan: Plan) -> Callable[..., Iterator[None]]:
    def hook(self: FusedExtension, *args: Any) -> Iterator[None]:
        parts = self.parts
        entered: list[Iterator[None]] = []
        for index, part_hook, kind in plan:
            if kind is _Kind.GENERATOR:
                generator = part_hook(parts[index], *args)
                _enter(generator)
                entered.append(generator)
            else:
                part_hook(parts[index], *args)
        try:
            yield
        except BaseException as error:
            _leave(entered, error)
            return
        _leave(entered, None)

    return hook


def _async_hook(plan: Plan) -> Callable[..., AsyncIterator[None]]:
    async def hook(self: FusedExtension, *args: Any) -> AsyncIterator[None]:
        parts = self.parts
        entered: list[Iterator[None] | AsyncIterator[None]] = []
        for index, part_hook, kind in plan:
            if kind is _Kind.GENERATOR:
                generator = part_hook(parts[index], *args)
                _enter(generator)
                entered.append(generator)
            elif kind is _Kind.ASYNC_GENERATOR:
                async_generator = part_hook(parts[index], *args)
                try:
                    await async_generator.__anext__()
                except StopAsyncIteration:
                    raise RuntimeError("generator didn't yield") from None
                entered.append(async_generator)
            elif kind is _Kind.COROUTINE_FUNCTION:
                await part_hook(parts[index], *args)
            else:
                part_hook(parts[index], *args)
        try:
            yield
        except BaseException as error:
            await _aleave(entered, error)
            return
        await _aleave(entered, None)

    return hook


def _enter(generator: Iterator[None]) -> None:
    try:
        next(generator)
    except StopIteration:
        raise RuntimeError("generator didn't yield") from None


def _leave(entered: list[Iterator[None]], error: BaseException | None) -> None:
    """Resume the entered hooks, last first, as ``contextlib``'s exit stack would; raise what
    is left of ``error`` (or of what they raised instead)."""
    for generator in reversed(entered):
        error = _resume(generator, error)
    if error is not None:
        raise error


async def _aleave(
    entered: list[Iterator[None] | AsyncIterator[None]], error: BaseException | None
) -> None:
    for generator in reversed(entered):
        if isinstance(generator, Iterator):
            error = _resume(generator, error)
        else:
            error = await _aresume(generator, error)
    if error is not None:
        raise error


def _resume(generator: Iterator[None], error: BaseException | None) -> BaseException | None:
    """What is raised after ``generator`` ran its exit: ``None`` if nothing (or it swallowed
    ``error``)."""
    try:
        if error is None:
            next(generator)
        else:
            generator.throw(error)  # type: ignore[attr-defined]
    except StopIteration as stop:
        return error if stop is error else None
    except BaseException as raised:
        return _replaced(error, raised)
    return RuntimeError(
        "generator didn't stop" if error is None else "generator didn't stop after throw()"
    )


async def _aresume(
    generator: AsyncIterator[None], error: BaseException | None
) -> BaseException | None:
    try:
        if error is None:
            await generator.__anext__()
        else:
            await generator.athrow(error)  # type: ignore[attr-defined]
    except StopAsyncIteration as stop:
        return error if stop is error else None
    except BaseException as raised:
        return _replaced(error, raised)
    return RuntimeError(
        "generator didn't stop" if error is None else "generator didn't stop after athrow()"
    )


def _replaced(error: BaseException | None, raised: BaseException) -> BaseException:
    # A StopIteration thrown into a generator comes back as the RuntimeError it turned into.
    if (
        isinstance(error, StopIteration | StopAsyncIteration)
        and isinstance(raised, RuntimeError)
        and raised.__cause__ is error
    ):
        return error
    return raised


def _results(is_async: bool) -> Callable[..., Any]:
    if is_async:

        async def get_results_async(self: FusedExtension) -> dict[str, Any]:
            merged: dict[str, Any] = {}
            for part in self.parts:
                merged.update(await await_maybe(part.get_results()))
            return merged

        return get_results_async

    def get_results(self: FusedExtension) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for part in self.parts:
            merged.update(part.get_results())  # type: ignore[arg-type]
        return merged

    return get_results
