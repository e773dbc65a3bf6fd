"""Issue 20, finding 3: the public reads cannot be used to enumerate tracking codes. Listing needs
an api_key and shows its unit's requests only; every public read is rate-limited, lookups by id
out of the tracking endpoint's budget; ``service_request_id=`` takes at most 20 ids; an unknown
id answers exactly like any other unknown id."""

from __future__ import annotations

import pytest

from api.open311.keys import create_key, revoke_key
from tests.open311.conftest import Open311Stack, read
from tests.open311.test_requests import submitted


async def test_listing_needs_a_key_and_shows_its_unit_only(o311: Open311Stack) -> None:
    ours, _ = await submitted(o311)
    r = await o311.register(who="officer_zhapu", unit_id="pinghu.zhapu.tangshan")
    theirs = r.json()["tracking_code"]
    await o311.case_id_of(theirs)

    for fmt in ("json", "xml"):  # no key, no list — and no hint of what there is
        r = await o311.o311(f"requests.{fmt}")
        assert r.status_code == 403, r.text
        assert ours not in r.text and theirs not in r.text
    row, other_key = create_key(o311.engine, unit_id="pinghu.zhapu.tangshan", name="塘山小程序")
    for key in ("o311_nope", o311.key + "x", ""):
        assert (await o311.o311("requests.json", headers={"X-Api-Key": key})).status_code == 403
    # the spec's query-string key is not taken for a read
    assert (await o311.o311("requests.json", api_key=o311.key)).status_code == 403

    def codes(r) -> set[str]:
        assert r.status_code == 200, r.text
        return {found["service_request_id"] for found in read(r)}

    assert codes(await o311.o311("requests.json", headers=o311.keyed)) == {ours}
    assert codes(await o311.o311("requests.json", headers={"X-Api-Key": other_key})) == {theirs}
    revoke_key(o311.engine, row.id)
    r = await o311.o311("requests.json", headers={"X-Api-Key": other_key})
    assert r.status_code == 403
    # a citizen still looks up the codes they hold, without a key
    assert codes(await o311.o311("requests.json", service_request_id=f"{ours},{theirs}")) == {
        ours,
        theirs,
    }


async def test_at_most_20_ids(o311_stack: Open311Stack) -> None:
    many = ",".join(f"GUESS{i:011d}" for i in range(21))
    r = await o311_stack.o311("requests.json", service_request_id=many)
    assert r.status_code == 400 and "20" in read(r)[0]["description"]
    few = ",".join(f"GUESS{i:011d}" for i in range(20))
    r = await o311_stack.o311("requests.json", service_request_id=few)
    assert r.status_code == 200 and read(r) == []


async def test_lookups_share_the_tracking_budget(o311_stack: Open311Stack) -> None:
    """30 lookups a minute per client, whichever way they come: by path, by list of ids, or on
    the tracking endpoint."""
    statuses = [
        (await o311_stack.o311(f"requests/GUESS{i:011d}.json")).status_code for i in range(20)
    ]
    assert statuses == [404] * 20
    ids = ",".join(f"GUESS{i:011d}" for i in range(20, 29))
    assert (await o311_stack.o311("requests.json", service_request_id=ids)).status_code == 200
    assert (await o311_stack.get("/api/v1/track/GUESS00000000029", who=None)).status_code == 404
    r = await o311_stack.o311("requests/GUESS00000000030.xml")
    assert r.status_code == 429, r.text
    root, [error] = read(r)
    assert root == "errors" and error["code"] == "429"
    assert int(r.headers["retry-after"]) >= 1
    ids = "GUESS00000000031,GUESS00000000032"
    assert (await o311_stack.o311("requests.json", service_request_id=ids)).status_code == 429
    assert (await o311_stack.get("/api/v1/track/GUESS00000000033", who=None)).status_code == 429


@pytest.mark.parametrize("path", ["services.json", "services/property.xml", "discovery.json"])
async def test_every_public_read_is_rate_limited(o311_stack: Open311Stack, path: str) -> None:
    statuses = [(await o311_stack.o311(path)).status_code for _ in range(125)]
    assert statuses[:120] == [200] * 120
    assert set(statuses[120:]) == {429}
    assert (await o311_stack.o311("requests.json", headers=o311_stack.keyed)).status_code == 429


async def test_unknown_ids_all_answer_alike(o311_stack: Open311Stack) -> None:
    """Well-formed or not, long or short, an id that is not a request's answers the same 404
    with the same body: nothing tells a near miss from nonsense."""
    answers = set()
    for code in ("AAAAAAAAAAAAAAAA", "x", "GUESS00000000001", "%3Cscript%3E", "a" * 300, "0" * 16):
        r = await o311_stack.o311(f"requests/{code}.json")
        assert r.status_code == 404, (code, r.text)
        assert code not in r.text
        answers.add((r.status_code, r.text, r.headers["content-type"]))
    assert len(answers) == 1
    assert "service_request_id" in read(r)[0]["description"]
