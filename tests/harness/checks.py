"""The generic checks every workflow gets from its oracle and recipe.

    TestServiceOrderWorkflow = workflow_checks(ORACLE, RECIPE)

gives, as parametrized tests: every action in every state as every role answers what the oracle
says (and a refusal changes nothing; a 409 names the caller's allowed actions); `allowed_actions`
on each read and list item is the oracle's 200 set; each success moves to the oracle's target,
writes exactly one event and one new version; outsiders get 404 for everything; If-Match stale →
412, current → 200; a bad body → 422 and nothing changed. Each test builds its objects once.
"""

from typing import Any

import pytest

from app.db.models import Role
from app.domain.workflow import Workflow
from tests.harness.driver import Driver, Recipe
from tests.harness.oracle import Oracle
from tests.support import assert_problem

PROBLEM_CODES = {403: "forbidden", 404: "not_found", 409: "invalid_transition"}


def workflow_checks(oracle: Oracle, recipe: Recipe, workflow: Workflow) -> type:
    """A test class (assign it to a `Test…` name in a test module) with the generic checks.

    `workflow` is the app's table; only its names are read (so an action or state added to the
    table without a row in the oracle fails), never its rules."""
    states = pytest.mark.parametrize("state", oracle.states)
    actions = pytest.mark.parametrize("action", oracle.actions)

    class WorkflowChecks:
        def test_the_oracle_names_every_action_and_state_of_the_table(self) -> None:
            assert set(oracle.actions) == set(workflow.actions)
            assert set(oracle.states) == set(workflow.states)
            assert set(oracle.roles) == {r.value for r in Role}
            assert set(recipe.paths) == set(oracle.states)

        @pytest.fixture
        async def driver(self, client: Any, factory: Any, users: Any) -> Driver:
            cast = {} if recipe.cast is None else await recipe.cast(factory)
            return Driver(client, factory, {**users, **cast}, recipe)

        @states
        async def test_reads_show_each_role_the_oracles_actions(
            self, driver: Driver, state: str
        ) -> None:
            obj = await driver.reach(state)
            wrong = []
            for role in oracle.roles:
                read, listed = await driver.read(obj, role), await driver.listed(obj, role)
                if not oracle.sees(state, role):
                    wrong += [(role, "read", read.status_code)] * (read.status_code != 404)
                    wrong += [(role, "listed")] * (listed is not None)
                    continue
                expected = oracle.allowed(state, role)
                assert read.status_code == 200, (role, read.text)
                got = set(read.json()["allowed_actions"])
                wrong += [(role, "read", sorted(got), sorted(expected))] * (got != expected)
                in_list = None if listed is None else set(listed["allowed_actions"])
                wrong += [(role, "list", in_list, sorted(expected))] * (in_list != expected)
            assert not wrong, f"in '{state}': {wrong}"

        @states
        async def test_refusals_answer_as_the_oracle_says_and_change_nothing(
            self, driver: Driver, state: str
        ) -> None:
            obj = await driver.reach(state)
            before = await driver.snapshot(obj)
            wrong = []
            for action in oracle.actions:
                for role in oracle.roles:
                    expected = oracle.answer(action, state, role)
                    if expected == 200:
                        continue
                    response = await driver.act(obj, action, role)
                    if response.status_code != expected:
                        wrong.append((action, role, expected, response.status_code))
                        continue
                    problem = assert_problem(response, expected, PROBLEM_CODES[expected])
                    if expected == 409:
                        assert problem["current_status"] == state, (action, role)
                        named = set(problem["allowed_actions"])
                        assert named == oracle.allowed(state, role), (action, role, named)
            assert not wrong, f"in '{state}' (action, role, oracle, got): {wrong}"
            assert await driver.snapshot(obj) == before

        @states
        async def test_each_success_moves_once_with_one_event_and_one_version(
            self, driver: Driver, state: str
        ) -> None:
            for action, _, role in (k for k in oracle.successes() if k[1] == state):
                obj = await driver.reach(state)
                count = len(await driver.events(obj))
                response = await driver.act(obj, action, role)
                assert response.status_code == driver.success_status(action), (
                    action,
                    role,
                    response.text,
                )
                after = await driver.after_success(obj, action, response)
                target = oracle.targets[(action, state)]
                assert after["status"] == target, (action, role)
                assert after["version"] == obj["version"] + 1, (action, role)
                events = await driver.events(obj)
                assert len(events) == count + 1, (action, role, events[count:])
                last = events[-1]
                assert (last["action"], last["from_status"], last["to_status"]) == (
                    action,
                    state,
                    target,
                )
                assert last["actor_id"] == str(driver.users[role].id)

        @states
        async def test_outsiders_get_404_for_every_action(
            self, driver: Driver, factory: Any, state: str
        ) -> None:
            obj = await driver.reach(state)
            before = await driver.snapshot(obj)
            for name, outsider in (await recipe.outsiders(factory)).items():
                assert_problem(await driver.read(obj, outsider), 404, "not_found")
                assert await driver.listed(obj, outsider) is None, name
                for action in oracle.actions:
                    response = await driver.act(obj, action, outsider)
                    assert response.status_code == 404, (name, action, response.text)
                    assert_problem(response, 404, "not_found")
            assert await driver.snapshot(obj) == before

        @actions
        async def test_if_match_stale_is_412_and_current_is_done(
            self, driver: Driver, action: str
        ) -> None:
            state, role = oracle.first_success(action)
            obj = await driver.reach(state)
            before = await driver.snapshot(obj)
            stale = await driver.act(obj, action, role, **{"If-Match": f'"{obj["version"] - 1}"'})
            problem = assert_problem(stale, 412, "precondition_failed")
            assert problem["current_version"] == obj["version"]
            assert await driver.snapshot(obj) == before
            done = await driver.act(obj, action, role, **{"If-Match": f'"{obj["version"]}"'})
            assert done.status_code == driver.success_status(action), done.text
            after = await driver.after_success(obj, action, done)
            assert after["version"] == obj["version"] + 1

        @actions
        async def test_a_bad_body_is_422_and_changes_nothing(
            self, driver: Driver, action: str
        ) -> None:
            state, role = oracle.first_success(action)
            obj = await driver.reach(state)
            before = await driver.snapshot(obj)
            valid = recipe.body(action, obj, driver.users)
            for name, body in bad_bodies(valid).items():
                response = await driver.act(obj, action, role, body)
                assert response.status_code == 422, (action, name, response.text)
                assert_problem(response, 422, "validation_error")
            assert await driver.snapshot(obj) == before
            assert (await driver.act(obj, action, role)).status_code == driver.success_status(
                action
            )

    return WorkflowChecks


def bad_bodies(valid: dict[str, Any] | None) -> dict[str, Any]:
    """Bodies each action must refuse: an unknown field, a field of the wrong type, not an
    object at all."""
    cases: dict[str, Any] = {
        "unknown field": {**(valid or {}), "surprise": 1},
        "a number instead of an object": 42,
        "an array instead of an object": [valid or {}],
    }
    for key in valid or {}:
        cases[f"{key} of the wrong type"] = {**(valid or {}), key: ["wrong", "type"]}
    return cases
