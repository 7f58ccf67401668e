"""Every table class names its object type once, on the model, and no two share one."""

from app.db.models import metadata
from app.db.models.base import Entity


def _entity_models() -> list[type[Entity]]:
    found, todo = [], list(Entity.__subclasses__())
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        if hasattr(model, "__table__"):
            found.append(model)
    return found


def test_every_entity_table_declares_its_object_type():
    models = _entity_models()
    assert {m.__table__.name for m in models} >= {"service_orders", "customers", "users"}  # type: ignore[attr-defined]
    missing = [m.__name__ for m in models if not isinstance(getattr(m, "object_type", None), str)]
    assert missing == []
    types = [m.object_type for m in models]
    assert len(types) == len(set(types)), types


def test_object_type_is_a_class_attribute_not_a_column():
    for model in _entity_models():
        assert "object_type" not in model.__table__.columns, model  # type: ignore[attr-defined]
    assert metadata.tables["notifications"].c.object_type is not None  # a column there, by design


def test_every_constraint_is_named_by_the_convention():
    """app/db/models/naming.py must take effect before any table class is defined (it is the
    first import of app/db/models/__init__.py); a table defined earlier has unnamed keys."""
    prefixes = {"PrimaryKeyConstraint": "pk_", "UniqueConstraint": "uq_"}
    prefixes["ForeignKeyConstraint"] = "fk_"
    unnamed = [
        (table.name, type(c).__name__)
        for table in metadata.sorted_tables
        for c in table.constraints
        if type(c).__name__ in prefixes and not str(c.name).startswith(prefixes[type(c).__name__])
    ]
    assert unnamed == []
