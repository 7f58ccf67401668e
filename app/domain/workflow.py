"""Workflows as data: one table per workflow of `action: from-states -> to-state, roles, guard`.

The services, `allowed_actions` on every read, `GET /meta/workflows` and the tests all read the
same tables, so a rule lives in exactly one place.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.db.models import Role, User
from app.domain.errors import Forbidden, InvalidTransition

# A guard decides, for one object and one user, whether the user may act beyond the role check
# (for example "only the assignee"). It must not touch the database.
Guard = Callable[[Any, User], bool]


@dataclass(frozen=True)
class Label:
    en: str
    zh_CN: str


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change (e.g. re-assign, follow-up)
    roles: frozenset[Role]
    label: Label
    guard: Guard | None = None
    guard_description: str | None = None
    # When the next state depends on the object (e.g. remote vs on-site), `pick` chooses it;
    # `target` is then the usual outcome shown in /meta/workflows and `guard_description` or
    # `outcomes` says the rest.
    pick: Callable[[Any], str] | None = None
    outcomes: tuple[str, ...] = ()

    def next_state(self, obj: Any) -> str:
        if self.pick is not None:
            return self.pick(obj)
        return self.target if self.target is not None else str(obj.status)


@dataclass(frozen=True)
class Workflow:
    name: str
    initial: str
    states: dict[str, Label]
    actions: dict[str, Action] = field(default_factory=dict)

    def action(self, name: str) -> Action:
        return self.actions[name]

    def may(self, action: Action, obj: Any, user: User) -> bool:
        return (
            user.role in action.roles
            and obj.status in action.sources
            and (action.guard is None or action.guard(obj, user))
        )

    def allowed_actions(self, obj: Any, user: User) -> list[str]:
        return [a.name for a in self.actions.values() if self.may(a, obj, user)]

    def check(self, name: str, obj: Any, user: User) -> Action:
        """Raise 403 if the user's role may never do this, 409 if the state (or guard) forbids."""
        action = self.actions[name]
        if user.role not in action.roles:
            raise Forbidden(f"role '{user.role}' may not '{name}'")
        if obj.status not in action.sources:
            raise InvalidTransition(name, obj.status, self.allowed_actions(obj, user))
        if action.guard is not None and not action.guard(obj, user):
            raise Forbidden(action.guard_description or f"you may not '{name}' this object")
        return action


_REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    _REGISTRY[workflow.name] = workflow
    return workflow


def all_workflows() -> Iterable[Workflow]:
    return _REGISTRY.values()


def describe(workflow: Workflow) -> dict[str, Any]:
    """The JSON shape of `GET /meta/workflows` for one workflow."""
    return {
        "name": workflow.name,
        "initial": workflow.initial,
        "states": [
            {"key": key, "labels": {"en": lbl.en, "zh-CN": lbl.zh_CN}}
            for key, lbl in workflow.states.items()
        ],
        "actions": [
            {
                "key": a.name,
                "from": sorted(a.sources),
                "to": a.target,
                "possible_to": sorted({a.target, *a.outcomes} - {None}),
                "roles": sorted(r.value for r in a.roles),
                "condition": a.guard_description,
                "labels": {"en": a.label.en, "zh-CN": a.label.zh_CN},
            }
            for a in workflow.actions.values()
        ],
    }
