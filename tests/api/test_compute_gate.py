"""ComputeGate: API computations take turns per process; GETs and a long turn's successor don't
wait behind them. Driven with stand-in ASGI apps whose progress the test controls."""

from __future__ import annotations

import asyncio

import pytest

from app.api.middleware import ComputeGate


def scope(method: str, path: str) -> dict:
    return {"type": "http", "method": method, "path": path, "headers": []}


async def receive() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


class Stand:
    """An app whose requests record when they start and answer when the test lets them."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, scope, receive, send) -> None:
        name = scope["path"].rsplit("/", 1)[-1]
        await receive()  # as FastAPI does: the body first, then the computation
        self.events.append(f"start {name}")
        gate = self.release.setdefault(name, asyncio.Event())
        await gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        self.events.append(f"answered {name}")
        await send({"type": "http.response.body", "body": b"{}"})


async def sent(message) -> None:
    return None


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def run(coroutine) -> None:
    asyncio.run(coroutine)


def test_computations_take_turns_first_come_first_served():
    async def main() -> None:
        stand = Stand()
        gate = ComputeGate(stand)
        first = asyncio.create_task(gate(scope("POST", "/api/v1/a"), receive, sent))
        await settle()
        second = asyncio.create_task(gate(scope("POST", "/api/v1/b"), receive, sent))
        await settle()
        assert stand.events == ["start a"], "b waits while a computes"
        stand.release["a"].set()
        await settle()
        assert stand.events[:3] == ["start a", "answered a", "start b"], "b goes when a answers"
        stand.release.setdefault("b", asyncio.Event()).set()
        await asyncio.gather(first, second)

    run(main())


def test_gets_and_healthz_never_wait_for_a_turn():
    async def main() -> None:
        stand = Stand()
        gate = ComputeGate(stand)
        heavy = asyncio.create_task(gate(scope("POST", "/api/v1/heavy"), receive, sent))
        await settle()
        for name, method, path in [
            ("surfaces", "GET", "/api/v1/surfaces"),
            ("healthz", "GET", "/healthz"),
            ("page", "POST", "/not-api/page"),
        ]:
            stand.release[name] = asyncio.Event()
            stand.release[name].set()
            await asyncio.wait_for(gate(scope(method, path), receive, sent), timeout=1)
        assert "answered healthz" in stand.events and "answered heavy" not in stand.events
        stand.release["heavy"].set()
        await heavy

    run(main())


def test_a_long_computation_lets_the_next_start_after_its_turn(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(ComputeGate, "TURN_S", 0.05)

    async def main() -> None:
        stand = Stand()
        gate = ComputeGate(stand)
        long = asyncio.create_task(gate(scope("POST", "/api/v1/long"), receive, sent))
        await settle()
        stand.release["short"] = asyncio.Event()
        stand.release["short"].set()
        short = asyncio.create_task(gate(scope("POST", "/api/v1/short"), receive, sent))
        await asyncio.wait_for(short, timeout=2)
        assert stand.events == ["start long", "start short", "answered short"]
        stand.release["long"].set()
        await long

    run(main())


def test_an_error_in_a_computation_still_ends_its_turn():
    async def failing(scope, receive, send) -> None:
        raise RuntimeError("boom")

    async def main() -> None:
        gate = ComputeGate(failing)
        with pytest.raises(RuntimeError):
            await gate(scope("POST", "/api/v1/x"), receive, sent)
        # The turn was given back: the next acquires at once.
        await asyncio.wait_for(gate.turns.acquire(), timeout=0.5)

    run(main())


def test_a_slow_upload_holds_no_turn():
    async def main() -> None:
        stand = Stand()
        gate = ComputeGate(stand)
        arrived = asyncio.Event()

        async def slow_receive() -> dict:
            await arrived.wait()
            return await receive()

        slow = asyncio.create_task(gate(scope("POST", "/api/v1/slow"), slow_receive, sent))
        await settle()
        stand.release["quick"] = asyncio.Event()
        stand.release["quick"].set()
        await asyncio.wait_for(gate(scope("POST", "/api/v1/quick"), receive, sent), timeout=1)
        assert stand.events == ["start quick", "answered quick"], "quick went while slow uploaded"
        arrived.set()
        stand.release["slow"] = asyncio.Event()
        stand.release["slow"].set()
        await slow
        assert stand.events[-1] == "answered slow"

    run(main())
