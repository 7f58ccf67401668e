"""A hand-written oracle: for every action, state and role, the status the API must answer.

It is written out by hand from the SPEC, never derived from the app's workflow table: it is the
independent check of that table. The grid reads like the SPEC's table turned on its side:

    action  role      new  assigned  closed
    assign  office    200  200       409
    start   engineer  404  200       409

`office` stands for several roles with the same rights (see `aliases`). Cells are 200 (done),
403 (the role, or the object's rule, forbids), 404 (the role cannot see the object in that
state) or 409 (the state forbids: `invalid_transition`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

STATUSES = frozenset({200, 403, 404, 409})


@dataclass(frozen=True)
class Oracle:
    states: tuple[str, ...]
    actions: tuple[str, ...]
    roles: tuple[str, ...]
    # (action, state, role) -> status
    answers: Mapping[tuple[str, str, str], int]
    # (action, from state) -> the state a 200 leaves the object in (for the recipe's objects)
    targets: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        grid: str,
        targets: Mapping[str, Mapping[str, str]],
        aliases: Mapping[str, tuple[str, ...]] | None = None,
    ) -> "Oracle":
        lines = [line.split() for line in grid.strip().splitlines() if line.strip()]
        header, rows = lines[0], lines[1:]
        assert header[:2] == ["action", "role"], header
        states = tuple(header[2:])
        answers: dict[tuple[str, str, str], int] = {}
        actions: list[str] = []
        roles: list[str] = []
        for action, who, *cells in rows:
            assert len(cells) == len(states), (action, who, cells)
            actions += [action] * (action not in actions)
            for role in (aliases or {}).get(who, (who,)):
                roles += [role] * (role not in roles)
                for state, cell in zip(states, cells, strict=True):
                    status = int(cell)
                    assert status in STATUSES, (action, role, state, cell)
                    assert (action, state, role) not in answers, (action, state, role)
                    answers[(action, state, role)] = status
        oracle = cls(
            states,
            tuple(actions),
            tuple(roles),
            answers,
            {(a, s): to for a, moves in targets.items() for s, to in moves.items()},
        )
        oracle._check_complete()
        return oracle

    def _check_complete(self) -> None:
        missing = [
            (a, s, r)
            for a in self.actions
            for s in self.states
            for r in self.roles
            if (a, s, r) not in self.answers
        ]
        assert not missing, f"the oracle says nothing about {missing[:5]}…"
        done = {(a, s) for (a, s, _), status in self.answers.items() if status == 200}
        assert done == set(self.targets), (
            f"targets must name exactly the (action, state) pairs that succeed: "
            f"missing {sorted(done - set(self.targets))}, extra {sorted(set(self.targets) - done)}"
        )

    def answer(self, action: str, state: str, role: str) -> int:
        return self.answers[(action, state, role)]

    def allowed(self, state: str, role: str) -> set[str]:
        """The actions `role` may take in `state`: what `allowed_actions` must say."""
        return {a for a in self.actions if self.answers[(a, state, role)] == 200}

    def sees(self, state: str, role: str) -> bool:
        return any(self.answers[(a, state, role)] != 404 for a in self.actions)

    def successes(self) -> list[tuple[str, str, str]]:
        return [key for key, status in self.answers.items() if status == 200]

    def first_success(self, action: str) -> tuple[str, str]:
        """A (state, role) in which `action` succeeds, the earliest in the oracle's order."""
        for state in self.states:
            for role in self.roles:
                if self.answers[(action, state, role)] == 200:
                    return state, role
        raise AssertionError(f"the oracle never lets anyone '{action}'")
