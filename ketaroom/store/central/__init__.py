"""Central records: each room's journal copied to the clinic's PostgreSQL server.

The local SQLite journal stays the source of truth; :mod:`.sync` copies what the
server lacks (outbox of high-water marks in the journal, idempotent by natural keys),
:mod:`.schema` creates and migrates the server's tables, :mod:`.reader` reads every
room's records back as the journal's own record objects. No Qt here.
"""

from ketaroom.store.central.schema import (
    SCHEMA_VERSION,
    CentralError,
    CentralSchemaError,
    CentralUnavailableError,
    connect,
)

__all__ = [
    "SCHEMA_VERSION",
    "CentralError",
    "CentralSchemaError",
    "CentralUnavailableError",
    "connect",
]
