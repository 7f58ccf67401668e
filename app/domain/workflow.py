"""Workflows as data: one table per workflow of `action: from-states -> to-state, roles, guard`.

The services, `allowed_actions` on every read, `GET /meta/workflows`, the action routes (a drift
test compares them) and the tests all read the same tables, so a rule lives in exactly one place.
Each action's handler registers on its table (`@SERVICE_ORDER.handles("hold")`); the one runner
in `app.domain.actions` does lock → load → If-Match → check → handler → event.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

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


# A handler does one action's own rules on a locked, checked object and returns the changed
# fields for the event, or None when nothing changed (no event, no new version).
Handler = Callable[..., Awaitable[dict[str, Any] | None]]
H = TypeVar("H", bound=Handler)


class WorkflowError(Exception):
    """A workflow table that contradicts itself; raised at import, never at request time."""


@dataclass(frozen=True)
class Workflow:
    name: str
    initial: str
    states: dict[str, Label]
    actions: dict[str, Action] = field(default_factory=dict)
    # Named sets of states (open, active, editable, booked…) so no rule elsewhere spells a
    # state list of its own.
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    # The StrEnum of action names that reads type `allowed_actions` with (checked to match).
    action_names: type[StrEnum] | None = None
    handlers: dict[str, Handler] = field(default_factory=dict, compare=False, repr=False)
    # The actions a role may take from a state, by (state, role): `allowed_actions` then runs
    # only their guards (a list of fifty orders asked every action of every order: 6 % of it).
    _by_state_and_role: dict[tuple[str, Role], tuple[Action, ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        states = set(self.states)
        problems = [] if self.initial in states else [f"initial '{self.initial}' is no state"]
        for key, action in self.actions.items():
            named = action.sources | {action.target} | set(action.outcomes)
            problems += [f"action '{key}' is filed as '{action.name}'"] * (key != action.name)
            problems += [
                f"action '{key}' names unknown state '{s}'" for s in named - states - {None}
            ]
            problems += [f"action '{key}' lacks a label"] * (not _labelled(action.label))
        for group, members in self.groups.items():
            problems += [f"group '{group}' names unknown state '{s}'" for s in members - states]
        problems += [
            f"state '{k}' lacks a label" for k, v in self.states.items() if not _labelled(v)
        ]
        if problems:
            raise WorkflowError(f"workflow '{self.name}': " + "; ".join(problems))

    def action(self, name: str) -> Action:
        return self.actions[name]

    def group(self, name: str) -> frozenset[str]:
        return self.groups[name]

    def handles(self, name: str) -> Callable[[H], H]:
        """Register the handler of action `name`; an unknown or doubled action fails at import."""

        def register_handler(handler: H) -> H:
            if name not in self.actions:
                raise WorkflowError(f"workflow '{self.name}' has no action '{name}' to handle")
            if name in self.handlers:
                raise WorkflowError(f"workflow '{self.name}': action '{name}' handled twice")
            self.handlers[name] = handler
            return handler

        return register_handler

    def handler(self, name: str) -> Handler:
        return self.handlers[name]

    def unhandled(self) -> list[str]:
        return [name for name in self.actions if name not in self.handlers]

    def allowed_actions(self, obj: Any, user: User) -> list[str]:
        key = (obj.status, user.role)
        candidates = self._by_state_and_role.get(key)
        if candidates is None:
            candidates = tuple(
                a for a in self.actions.values() if user.role in a.roles and obj.status in a.sources
            )
            self._by_state_and_role[key] = candidates
        return [a.name for a in candidates if a.guard is None or a.guard(obj, user)]

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


def _labelled(label: Label) -> bool:
    return bool(label.en.strip() and label.zh_CN.strip())


def by_name(*actions: Action) -> dict[str, Action]:
    return {a.name: a for a in actions}


# Guards several workflows share.
def assignee_only(obj: Any, user: User) -> bool:
    return obj.assignee_id is not None and obj.assignee_id == user.id


def assignee_if_engineer(obj: Any, user: User) -> bool:
    return user.role != Role.engineer or assignee_only(obj, user)


_REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    _REGISTRY[workflow.name] = workflow
    return workflow


def all_workflows() -> Iterable[Workflow]:
    return _REGISTRY.values()
