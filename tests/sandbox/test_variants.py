"""``sandbox.variants``: the modes, their answers, and the emulators serving them."""

from __future__ import annotations

import httpx
import pytest

from sandbox.engage.app import create_app as create_engage
from sandbox.engage.settings import DEFAULT_API_KEY as ENGAGE_KEY
from sandbox.engage.settings import EngageSandboxSettings
from sandbox.expertsender.app import create_app as create_expertsender
from sandbox.expertsender.inferred import DEFAULT_API_KEY as EXPERTSENDER_KEY
from sandbox.expertsender.settings import ExpertSenderSandboxSettings
from sandbox.variants import CHOICES, Variants, VariantsError
from tests.support.servers import serve


def test_every_choice_has_two_answers_and_documented_is_one_of_them() -> None:
    for name, choice in CHOICES.items():
        assert len(set(choice.options)) >= 2, name
        assert {choice.documented, choice.invented} <= set(choice.options), name


def test_modes_parse() -> None:
    assert Variants.parse("documented") == Variants.documented()
    assert Variants.parse(" Invented ") == Variants.invented()
    assert Variants.parse("random:7") == Variants.randomised(7) == Variants.parse("random:7")
    assert Variants.parse("random:7").mode == "random:7"
    assert Variants.documented().engage_job_done == "bare_302"


@pytest.mark.parametrize("text", ["", "docs", "random:", "random:-1", "random:x"])
def test_a_bad_mode_is_refused_with_the_modes_named(text: str) -> None:
    with pytest.raises(VariantsError, match="documented, invented, random:<seed>"):
        Variants.parse(text)


def test_a_few_seeds_reach_every_answer() -> None:
    seen = {
        (name, getattr(Variants.randomised(seed), name)) for seed in range(40) for name in CHOICES
    }
    assert seen == {(n, o) for n, c in CHOICES.items() for o in c.options}


def test_documented_engage_answers_only_what_the_seeds_state() -> None:
    settings = EngageSandboxSettings(job_delay_ms=0, variants=Variants.documented())
    headers = {"apikey": ENGAGE_KEY, "User-Agent": "Test/1.0", "Content-Type": "application/json"}
    with (
        serve(create_engage(settings)) as server,
        httpx.Client(base_url=server.url, headers=headers) as client,
    ):
        assert client.get("/_sandbox/variants").json()["mode"] == "documented"
        order = client.get("/api/v3/orders/ENG-1001").json()
        del order["type"], order["versionTag"], order["contactId"]
        order["orderId"] = "VAR-1"
        accepted = client.post("/api/v3/orders", json=order)
        assert accepted.status_code == 202 and "location" not in accepted.headers
        assert set(accepted.json()) == {"jobId", "status", "orderId", "href"}
        for _ in range(200):
            done = client.get(accepted.json()["href"])
            if done.status_code != 200:
                break
        assert done.status_code == 302 and done.content == b""
        assert done.headers["location"].endswith("/api/v3/orders/VAR-1")
        missing = client.put("/api/v3/orders/VAR-404", json={**order, "orderId": "VAR-404"})
        assert missing.status_code == 404 and "errorCode" not in missing.json()
        tag = client.get("/api/v3/orders/VAR-1").json()["versionTag"]
        action = client.post("/api/v3/orders/VAR-1/action", json={"action": "X", "versionTag": tag})
        assert action.status_code == 202 and action.content == b""


def test_documented_expertsender_answers_only_what_the_seed_states() -> None:
    settings = ExpertSenderSandboxSettings(variants=Variants.documented())
    with (
        serve(create_expertsender(settings), ws="none") as server,
        httpx.Client(base_url=server.url, headers={"x-api-key": EXPERTSENDER_KEY}) as client,
    ):
        order = client.get("/orders/ES-1001").json()["data"]
        del order["customer"]["id"], order["status"]
        order["id"] = "VAR-1"
        body = {"mode": "Add", "data": [order]}
        created = client.post("/orders", json=body)
        assert created.status_code == 201 and created.content == b""
        again = client.post("/orders", json=body)
        assert again.status_code == 400 and "substatus" not in again.json()
        assert client.delete("/orders/VAR-1").status_code == 200
        read = client.get("/orders/VAR-1").json()["data"]
        assert read["status"] == "deleted" and "isDeleted" not in read
