"""Make the database 'go away' in-process: while `down`, every statement and every commit fails
the way a refused connection does. `after(sql)` starts the outage right after a statement that
begins with `sql` ran; `after_commit_of(sql)` lets the transaction that ran it commit first."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


class SimulatedOutage:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.down = False
        self._trigger: str | None = None
        self._at_commit = False
        self._armed = False

    def after(self, sql: str) -> None:
        self._trigger, self._at_commit = sql, False

    def after_commit_of(self, sql: str) -> None:
        self._trigger, self._at_commit = sql, True

    def recover(self) -> None:
        self.down = self._armed = False
        self._trigger = None

    def _fail(self) -> None:
        raise ConnectionRefusedError(111, "Connect call failed (simulated outage)")

    def _before_statement(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if self.down:
            self._fail()

    def _after_statement(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if self._trigger and statement.lstrip().upper().startswith(self._trigger.upper()):
            if self._at_commit:
                self._armed = True
            else:
                self.down = True

    def _commit(self, conn: Any) -> None:
        if self.down:
            self._fail()
        if self._armed:  # this commit goes through; everything after it fails
            self.down = True

    def __enter__(self) -> "SimulatedOutage":
        event.listen(self.engine, "before_cursor_execute", self._before_statement)
        event.listen(self.engine, "after_cursor_execute", self._after_statement)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before_statement)
        event.remove(self.engine, "after_cursor_execute", self._after_statement)
        event.remove(self.engine, "commit", self._commit)
