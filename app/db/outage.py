"""Tell "the database is not there" (answer 503, retry later) from a bug (answer 500).

Classified by what the driver says, never by "any DBAPIError": a constraint violation or a data
error is a bug or bad input and must not hide behind a 503.
"""

from sqlalchemy import exc as sa_exc

# SQLSTATE classes and codes that mean the server is unreachable, going away or overloaded.
_UNAVAILABLE_CLASSES = ("08", "53")  # connection exception; insufficient resources
_UNAVAILABLE_CODES = frozenset(
    {
        "57P01",  # admin_shutdown: terminated by a fast/immediate shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: starting up or shutting down
        "57014",  # query_canceled: our statement_timeout fired, the server is too busy
    }
)


def _sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a driver error (asyncpg's own or SQLAlchemy's adapter of it), if any."""
    for candidate in (error, getattr(error, "orig", None), error.__cause__):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str) and len(code) == 5:
            return code
    return None


def is_database_unavailable(error: BaseException) -> bool:
    """True when `error` says the database cannot be reached or cannot serve us right now."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection became free in time
        return True
    if isinstance(error, OSError):  # refused, reset, unreachable, connect/command timeout
        return True
    sqlstate = _sqlstate(error)
    if sqlstate is not None:
        return sqlstate[:2] in _UNAVAILABLE_CLASSES or sqlstate in _UNAVAILABLE_CODES
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error.orig, OSError):
            return True
        # SQLite says "database is locked" (or cannot open its file) without a SQLSTATE.
        return isinstance(error, sa_exc.OperationalError)
    return False
