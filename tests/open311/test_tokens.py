"""GeoReport v2 tokens: a submission saved while no worker can confirm it gets a token, which
turns into its service_request_id once the case is registered."""

from __future__ import annotations

from tests.open311.conftest import Open311Stack, both, eventually, read


async def test_a_token_until_the_case_is_registered(o311_stack: Open311Stack) -> None:
    hotline_retry = {"Idempotency-Key": "hotline-42"}
    r = await o311_stack.submit(headers=hotline_retry)  # no worker: it cannot be confirmed
    assert r.status_code == 202, r.text
    [pending] = read(r)
    assert list(pending) == ["token", "service_notice", "account_id"]  # no service_request_id
    token = pending["token"]
    assert await both(o311_stack, f"tokens/{token}", "service_requests") == [
        {"service_request_id": None, "token": token}
    ]

    async with o311_stack.run_worker():  # the saved workflow registers the case by itself

        async def registered() -> str | None:
            [found] = read(await o311_stack.o311(f"tokens/{token}.json"))
            return found["service_request_id"]

        code = await eventually(registered)
        [found] = await both(o311_stack, f"requests/{code}", "service_requests")
        assert (found["status"], found["agency_responsible"]) == ("open", "东门社区")
        # the client's retry with the same key reaches the same case
        retry = await o311_stack.submit(headers=hotline_retry)
        assert retry.status_code == 201, retry.text
        assert read(retry)[0]["service_request_id"] == code
    case_id = await o311_stack.case_id_of(code)
    handles = [
        w
        async for w in o311_stack.env.client.list_workflows(
            f"TaskQueue = '{o311_stack.settings.task_queue}'"
        )
    ]
    assert [h.id for h in handles] == [f"petition-{case_id}"]
