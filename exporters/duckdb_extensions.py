"""Install DuckDB's httpfs, aws and encodings extensions from their PyPI wheels.

DuckDB normally downloads extensions on first use; these machines (and many
locked-down CI runners) cannot reach the extension host, so `make` installs
the copies that pip brought instead. Idempotent.
"""

from __future__ import annotations

import duckdb
from duckdb_extensions import import_extension

EXTENSIONS = ("httpfs", "aws", "encodings")


def install() -> None:
    """Install each extension into DuckDB's per-user extension directory."""
    con = duckdb.connect()
    try:
        for name in EXTENSIONS:
            import_extension(name, con=con)
    finally:
        con.close()


if __name__ == "__main__":
    install()
