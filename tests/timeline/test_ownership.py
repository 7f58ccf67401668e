"""A customer's timeline shows only entries from while the object was theirs (SPEC §3, issue 6)."""

from app.db.models import Device, User
from app.domain.timeline import RecordCreate, RecordKind, RecordLimits, add_record

DEVICES = "/api/v1/devices"


async def _move(client, factory, clerk, device_id, version, **fields):
    response = await client.patch(
        f"{DEVICES}/{device_id}",
        json=fields,
        headers=factory.headers(clerk, **{"If-Match": f'"{version}"'}),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _moved_device(client, factory, users):
    """A device registered for company A, then moved to company B with a new configuration."""
    company_a, company_b = await factory.customer(), await factory.customer()
    clerk = users["clerk"]
    created = await client.post(
        DEVICES,
        json={
            "customer_id": str(company_a.id),
            "serial_number": "SN-MOVE-1",
            "model": "M1",
            "configuration": "A's secret layout",
        },
        headers=factory.headers(clerk),
    )
    assert created.status_code == 201, created.text
    device = created.json()
    await _move(
        client,
        factory,
        clerk,
        device["id"],
        1,
        configuration="A's second layout",
    )
    await _move(
        client,
        factory,
        clerk,
        device["id"],
        2,
        customer_id=str(company_b.id),
        configuration="B's layout",
    )
    return device, company_a, company_b


async def test_new_owner_sees_only_its_own_time_and_not_the_previous_company(
    client, factory, users
):
    device, company_a, company_b = await _moved_device(client, factory, users)
    b_user = await factory.user("customer", customer=company_b)

    response = await client.get(
        f"{DEVICES}/{device['id']}/timeline", headers=factory.headers(b_user)
    )

    assert response.status_code == 200, response.text
    [entry] = response.json()["items"]
    assert entry["action"] == "updated"
    assert entry["changes"] == {
        "customer_id": [None, str(company_b.id)],
        "configuration": [None, "B's layout"],
    }
    assert str(company_a.id) not in response.text
    assert "A's" not in response.text


async def test_staff_still_see_the_whole_history_of_a_moved_object(client, factory, users):
    device, company_a, company_b = await _moved_device(client, factory, users)

    response = await client.get(
        f"{DEVICES}/{device['id']}/timeline", headers=factory.headers(users["clerk"])
    )

    entries = response.json()["items"]
    assert [e["action"] for e in entries] == ["created", "updated", "updated"]
    assert entries[2]["changes"]["customer_id"] == [str(company_a.id), str(company_b.id)]
    assert entries[2]["changes"]["configuration"] == ["A's second layout", "B's layout"]


async def test_an_object_that_comes_back_shows_both_own_periods_but_not_the_other(
    client, factory, users
):
    device, company_a, company_b = await _moved_device(client, factory, users)
    await _move(client, factory, users["clerk"], device["id"], 3, configuration="B's tuning")
    await _move(client, factory, users["clerk"], device["id"], 4, customer_id=str(company_a.id))
    a_user = await factory.user("customer", customer=company_a)

    response = await client.get(
        f"{DEVICES}/{device['id']}/timeline", headers=factory.headers(a_user)
    )

    entries = response.json()["items"]
    assert [e["action"] for e in entries] == ["created", "updated", "updated"]
    assert entries[2]["changes"] == {"customer_id": [None, str(company_a.id)]}
    assert "B's" not in response.text
    assert str(company_b.id) not in response.text


async def test_the_previous_owner_no_longer_sees_the_object(client, factory, users):
    device, company_a, _ = await _moved_device(client, factory, users)
    a_user = await factory.user("customer", customer=company_a)
    response = await client.get(
        f"{DEVICES}/{device['id']}/timeline", headers=factory.headers(a_user)
    )
    assert response.status_code == 404


async def test_records_written_for_the_previous_owner_stay_with_it(
    client, factory, users, sessionmaker
):
    """Records keep the owner at writing, so a record about A's device never reaches B."""
    company_a, company_b = await factory.customer(), await factory.customer()
    device = await factory.device(company_a)
    clerk = users["clerk"]
    async with sessionmaker() as session:
        row = await session.get(Device, device.id)
        actor = await session.get(User, clerk.id)
        note = RecordCreate(kind=RecordKind.communication, body="A's contract terms")
        await add_record(session, actor, "device", row, note, RecordLimits())
        await session.commit()
    await _move(client, factory, clerk, device.id, 1, customer_id=str(company_b.id))
    b_user = await factory.user("customer", customer=company_b)

    timeline = await client.get(f"{DEVICES}/{device.id}/timeline", headers=factory.headers(b_user))

    assert [e["type"] for e in timeline.json()["items"]] == ["event"]
    assert "A's contract" not in timeline.text
    staff = await client.get(f"{DEVICES}/{device.id}/timeline", headers=factory.headers(clerk))
    assert [e["type"] for e in staff.json()["items"]] == ["record", "event"]
