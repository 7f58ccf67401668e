"""Every table that belongs to a customer or is assigned to someone has a scope rule: forgetting
one fails here instead of quietly deciding who may read the table."""

from typing import Any

import pytest
from sqlmodel import SQLModel

from app.db.models import Role, ServiceOrder, User, metadata
from app.db.repositories import scoping

OWNERSHIP_COLUMNS = ("customer_id", "assignee_id")


def _model_of(table_name: str) -> type[Any]:
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        if mapper.local_table.name == table_name:
            return mapper.class_  # type: ignore[no-any-return]
    raise LookupError(table_name)


def tables_without_a_scope_rule() -> list[str]:
    return [
        table.name
        for table in metadata.sorted_tables
        if any(name in table.c for name in OWNERSHIP_COLUMNS)
        and not scoping.has_scope_decision(_model_of(table.name))
    ]


def test_every_owned_or_assigned_table_has_a_scope_rule():
    owned = [t.name for t in metadata.sorted_tables if "customer_id" in t.c]
    assert {"service_orders", "devices", "users"} <= set(owned)  # the walk sees real tables
    assert tables_without_a_scope_rule() == []


def test_a_forgotten_rule_fails_the_meta_test(monkeypatch: pytest.MonkeyPatch):
    rules = {m: r for m, r in scoping._RULES.items() if m is not ServiceOrder}
    monkeypatch.setattr(scoping, "_RULES", rules)
    assert tables_without_a_scope_rule() == ["service_orders"]


def test_a_table_without_a_rule_is_closed_to_customers(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(scoping, "_RULES", {})
    customer = User(email="c@example.com", name="C", role=Role.customer)
    clause = scoping.visible_to(customer, ServiceOrder)
    assert str(clause.compile(compile_kwargs={"literal_binds": True})) in ("false", "0")
