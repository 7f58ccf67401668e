"""Drives one workflow's objects over HTTP: create one, bring it into any state, act, read.

The per-workflow part is a `Recipe`: where the resource lives, how to create an object, which
steps reach each state, and a valid body for each action.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.support import Factory

DEFAULT: Any = object()  # "send the recipe's valid body"


@dataclass(frozen=True)
class Step:
    action: str
    role: str
    # The body to send on the way (e.g. a rejecting assessment); DEFAULT: the recipe's body.
    body: Any = DEFAULT


@dataclass(frozen=True)
class Recipe:
    base: str  # e.g. "/api/v1/service-orders"
    # POST body that creates an object, given the standard users; and who sends it.
    create_body: Callable[[Mapping[str, Any]], dict[str, Any]]
    creator: str
    # The steps from a new object to each state (the state a new object has needs none).
    paths: Mapping[str, Sequence[Step]]
    # A valid body for an action on this object (None: send no body).
    body: Callable[[str, dict[str, Any], Mapping[str, Any]], Any]
    # Users who must not see any object of the workflow (e.g. another company's customer).
    outsiders: Callable[[Factory], Awaitable[Mapping[str, Any]]]
    # More users the bodies name (e.g. a second engineer to re-assign to), by name.
    cast: Callable[[Factory], Awaitable[Mapping[str, Any]]] | None = None
    # A role that sees every object, used to observe status, version and events.
    observer: str = "supervisor"
    # Rows an object needs that its API does not make (e.g. a parent inserted directly), made
    # before each create and passed to `create_body` among the users, by name.
    setup: Callable[[Factory, Mapping[str, Any]], Awaitable[Mapping[str, Any]]] | None = None
    # Roles whose list of this resource is itself 404 (it does not exist for them).
    list_hidden_from: frozenset[str] = frozenset()
    # Actions whose success answers another object (an order's `escalate` answers the case it
    # proposed), with that answer's status: the checks then read the object itself.
    answers_elsewhere: Mapping[str, int] = field(default_factory=dict)


@dataclass
class Driver:
    client: Any
    factory: Factory
    users: Mapping[str, Any]
    recipe: Recipe

    def headers(self, who: Any, **extra: str) -> dict[str, str]:
        user = self.users[who] if isinstance(who, str) else who
        return self.factory.headers(user, **extra)

    def url(self, obj: dict[str, Any], *rest: str) -> str:
        return "/".join((self.recipe.base, obj["id"], *rest))

    async def create(self) -> dict[str, Any]:
        extra = (
            {} if self.recipe.setup is None else await self.recipe.setup(self.factory, self.users)
        )
        body = self.recipe.create_body({**self.users, **extra})
        response = await self.client.post(
            self.recipe.base, json=body, headers=self.headers(self.recipe.creator)
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def reach(self, state: str) -> dict[str, Any]:
        obj = await self.create()
        for step in self.recipe.paths[state]:
            response = await self.act(obj, step.action, step.role, step.body)
            assert response.status_code == 200, (state, step, response.text)
            obj = response.json()
        assert obj["status"] == state, (state, obj["status"])
        return obj

    async def act(
        self,
        obj: dict[str, Any],
        action: str,
        who: Any,
        body: Any = DEFAULT,
        **headers: str,
    ) -> Any:
        if body is DEFAULT:
            body = self.recipe.body(action, obj, self.users)
        return await self.client.post(
            self.url(obj, action), json=body, headers=self.headers(who, **headers)
        )

    def success_status(self, action: str) -> int:
        return self.recipe.answers_elsewhere.get(action, 200)

    async def after_success(self, obj: dict[str, Any], action: str, response: Any) -> Any:
        """The object as a success left it: the answer itself, or read again when the action
        answers another object (then the answer's own ETag is not the object's)."""
        if action not in self.recipe.answers_elsewhere:
            assert response.headers["etag"] == f'"{response.json()["version"]}"'
            return response.json()
        read = await self.read(obj, self.recipe.observer)
        assert read.status_code == 200, read.text
        return read.json()

    async def read(self, obj: dict[str, Any], who: Any) -> Any:
        return await self.client.get(self.url(obj), headers=self.headers(who))

    async def listed(self, obj: dict[str, Any], who: Any) -> dict[str, Any] | None:
        response = await self.client.get(
            self.recipe.base, params={"limit": 200}, headers=self.headers(who)
        )
        role = who if isinstance(who, str) else who.role
        if role in self.recipe.list_hidden_from:
            assert response.status_code == 404, response.text
            return None
        assert response.status_code == 200, response.text
        return next((i for i in response.json()["items"] if i["id"] == obj["id"]), None)

    async def events(self, obj: dict[str, Any]) -> list[dict[str, Any]]:
        response = await self.client.get(
            self.url(obj, "timeline"),
            params={"limit": 200},
            headers=self.headers(self.recipe.observer),
        )
        assert response.status_code == 200, response.text
        return [e for e in response.json()["items"] if e["type"] == "event"]

    async def snapshot(self, obj: dict[str, Any]) -> tuple[str, int, int]:
        """(status, version, number of events): what an action that fails must leave as it was."""
        response = await self.read(obj, self.recipe.observer)
        assert response.status_code == 200, response.text
        now = response.json()
        return now["status"], now["version"], len(await self.events(obj))
