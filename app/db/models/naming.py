"""Every constraint and index gets a predictable name (STYLE: database names are explicit).

Imported by app/db/models/__init__.py before any table class exists: the names are given when a
constraint is attached to its table. Migrations, and SQLite's batch ALTERs (which rebuild a table
and must find a constraint by name to drop or change it), then say what they touch.
"""

from sqlmodel import SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",  # SQLAlchemy's default: what every existing index is called
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.metadata.naming_convention = NAMING_CONVENTION
