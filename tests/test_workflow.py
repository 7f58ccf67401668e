"""The workflow registry: one table drives checks, allowed_actions and /meta/workflows."""

import uuid
from dataclasses import dataclass

import pytest

from app.db.models import Role, User
from app.domain import workflow
from app.domain.errors import Forbidden, InvalidTransition
from app.domain.i18n import Language
from app.domain.meta import describe_workflow
from app.domain.workflow import Action, Label, Workflow
from tests.support import assert_problem


@dataclass
class Thing:
    status: str
    assignee_id: uuid.UUID | None = None


def _assignee_only(obj: Thing, user: User) -> bool:
    return obj.assignee_id == user.id


SAMPLE = Workflow(
    name="sample_thing",
    initial="new",
    states={"new": Label("New", "新建"), "done": Label("Done", "完成")},
    actions={
        "finish": Action(
            "finish",
            frozenset({"new"}),
            "done",
            frozenset({Role.engineer}),
            Label("Finish", "完成"),
            guard=_assignee_only,
            guard_description="assignee only",
        ),
        "reopen": Action(
            "reopen", frozenset({"done"}), "new", frozenset({Role.clerk}), Label("Reopen", "重开")
        ),
    },
)


def _user(role: Role) -> User:
    return User(id=uuid.uuid4(), email="x@y.z", name="x", role=role)


def test_allowed_actions_follow_role_state_and_guard():
    engineer = _user(Role.engineer)
    assert SAMPLE.allowed_actions(Thing("new", engineer.id), engineer) == ["finish"]
    assert SAMPLE.allowed_actions(Thing("new", uuid.uuid4()), engineer) == []
    assert SAMPLE.allowed_actions(Thing("done"), _user(Role.clerk)) == ["reopen"]


def test_check_raises_403_for_role_and_409_for_state():
    engineer = _user(Role.engineer)
    with pytest.raises(Forbidden):
        SAMPLE.check("reopen", Thing("done"), engineer)
    with pytest.raises(InvalidTransition) as caught:
        SAMPLE.check("reopen", Thing("new"), _user(Role.clerk))
    assert caught.value.extra["allowed_actions"] == []
    with pytest.raises(Forbidden):
        SAMPLE.check("finish", Thing("new", uuid.uuid4()), engineer)
    assert SAMPLE.check("finish", Thing("new", engineer.id), engineer).target == "done"


def test_describe_has_both_languages():
    described = describe_workflow(SAMPLE, Language.zh_CN).model_dump(mode="json", by_alias=True)
    assert described["states"][0] == {
        "key": "new",
        "label": "新建",
        "labels": {"en": "New", "zh-CN": "新建"},
    }
    finish = described["actions"][0]
    assert finish["from"] == ["new"] and finish["to"] == "done"
    assert finish["roles"] == ["engineer"]
    assert finish["condition"] == "assignee only"


async def test_meta_workflows_lists_registered_workflows(client, factory, users, monkeypatch):
    monkeypatch.setitem(workflow._REGISTRY, SAMPLE.name, SAMPLE)
    response = await client.get(
        "/api/v1/meta/workflows", headers=factory.headers(users["customer"])
    )
    assert response.status_code == 200
    names = [w["name"] for w in response.json()["workflows"]]
    assert "sample_thing" in names
    assert_problem(await client.get("/api/v1/meta/workflows"), 401)


def _table(**overrides):
    fields = {
        "name": "broken",
        "initial": "new",
        "states": {"new": Label("New", "新建"), "done": Label("Done", "完成")},
        "actions": {
            "finish": Action(
                "finish", frozenset({"new"}), "done", frozenset({Role.clerk}), Label("Go", "办")
            )
        },
    }
    return Workflow(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"initial": "draft"}, "initial 'draft' is no state"),
        (
            {
                "actions": {
                    "finish": Action(
                        "finish", frozenset({"gone"}), "done", frozenset(), Label("Go", "办")
                    )
                }
            },
            "unknown state 'gone'",
        ),
        (
            {
                "actions": {
                    "finish": Action(
                        "finish", frozenset({"new"}), "later", frozenset(), Label("Go", "办")
                    )
                }
            },
            "unknown state 'later'",
        ),
        ({"groups": {"open": frozenset({"new", "limbo"})}}, "group 'open' names unknown state"),
        (
            {"states": {"new": Label("New", ""), "done": Label("Done", "完成")}},
            "'new' lacks a label",
        ),
        (
            {
                "actions": {
                    "finish": Action(
                        "finish", frozenset({"new"}), "done", frozenset(), Label("Go", " ")
                    )
                }
            },
            "action 'finish' lacks a label",
        ),
        (
            {
                "actions": {
                    "go": Action(
                        "finish", frozenset({"new"}), "done", frozenset(), Label("Go", "办")
                    )
                }
            },
            "filed as 'finish'",
        ),
    ],
)
def test_a_table_that_contradicts_itself_fails_at_construction(overrides, complaint):
    with pytest.raises(workflow.WorkflowError, match=complaint):
        _table(**overrides)


def test_handlers_register_once_and_only_for_actions_of_the_table():
    table = _table()
    assert table.unhandled() == ["finish"]

    @table.handles("finish")
    async def finish(step, body):
        return {}

    assert table.unhandled() == [] and table.handler("finish") is finish
    with pytest.raises(workflow.WorkflowError, match="handled twice"):
        table.handles("finish")(finish)
    with pytest.raises(workflow.WorkflowError, match="no action 'vanish'"):
        table.handles("vanish")(finish)


def test_a_handler_may_choose_only_an_outcome_its_action_names():
    from app.domain.actions import Step

    step = Step(None, _user(Role.engineer), Thing("reinspection"), "reinspect", "reinspection",
                "ready", frozenset({"ready", "repairing"}))  # fmt: skip
    step.choose("repairing")
    assert step.to_status == "repairing"
    with pytest.raises(ValueError, match="cannot lead to 'closed'"):
        step.choose("closed")
