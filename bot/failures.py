"""Expected failures of a CLI command, as the one Japanese line the operator sees (no traceback)."""

from __future__ import annotations


def expected_failure_message(error: BaseException) -> str | None:
    """The operator's message for an expected failure, or None for a bug (which keeps its traceback)."""
    from storage.schema import SchemaError

    if isinstance(error, SchemaError):  # not migrated with DXBOT_AUTO_MIGRATE=0, or newer than this code
        return str(error)
    return None
