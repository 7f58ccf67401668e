"""/meta/workflows lists the external-repair table with labels in both languages."""


async def test_meta_lists_the_external_repair_workflow(client, factory, users):
    response = await client.get(
        "/api/v1/meta/workflows",
        headers={**factory.headers(users["clerk"]), "Accept-Language": "zh-CN"},
    )
    assert response.status_code == 200, response.text
    table = next(w for w in response.json()["workflows"] if w["name"] == "external_repair")
    assert table["initial"] == "planned"
    states = {s["key"]: s for s in table["states"]}
    assert states["at_vendor"]["label"] == "在外修站"
    assert states["at_vendor"]["labels"]["en"] == "At the station"
    actions = {a["key"]: a for a in table["actions"]}
    assert set(actions) == {"contact", "send", "follow_up", "receive", "cancel"}
    assert actions["receive"]["possible_to"] == ["returned", "unrepairable"]
    assert actions["send"]["from"] == ["contacted"]
    assert actions["follow_up"]["to"] is None
    enums = {e["name"] for e in response.json()["enums"]}
    assert "external_repair_result" in enums
