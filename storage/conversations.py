"""Documents a chat adapter keeps across restarts and shares between processes, by key.

The Teams adapter stores its conversation references here (bot/teams/store.py turns this into the Agents
SDK's storage interface). A document is JSON; storage/ neither knows nor checks what is inside. A write
replaces the document under its key (an upsert, so two processes writing the same reference both succeed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from storage.models import ConversationStoreItem

MAX_KEY_CHARS = 512


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ConversationStore:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = _utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    def read(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The documents stored under `keys` (missing keys are left out)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        with self._sessions() as session:
            rows = session.execute(
                select(ConversationStoreItem.key, ConversationStoreItem.document).where(
                    ConversationStoreItem.key.in_(wanted)
                )
            ).all()
        return {key: json.loads(document) for key, document in rows}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.read([key]).get(key)

    def write(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        """Store each document under its key, replacing what was there; all in one transaction."""
        if not documents:
            return
        now = self._clock()
        with self._sessions.begin() as session:
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            for key, document in documents.items():
                if not key or len(key) > MAX_KEY_CHARS:
                    raise ValueError(f"store key must be 1..{MAX_KEY_CHARS} characters")
                values = {"key": key, "document": json.dumps(document, ensure_ascii=False), "updated_at": now}
                statement = insert(ConversationStoreItem).values(**values)
                session.execute(
                    statement.on_conflict_do_update(
                        index_elements=[ConversationStoreItem.key],
                        set_={"document": values["document"], "updated_at": now},
                    )
                )

    def delete(self, keys: Iterable[str]) -> None:
        wanted = list(keys)
        if not wanted:
            return
        with self._sessions.begin() as session:
            session.execute(delete(ConversationStoreItem).where(ConversationStoreItem.key.in_(wanted)))

    def keys(self, prefix: str) -> list[str]:
        """Every key that starts with `prefix` (e.g. all stored Teams conversations), sorted."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(ConversationStoreItem.key)
                    .where(ConversationStoreItem.key.like(escaped + "%", escape="\\"))
                    .order_by(ConversationStoreItem.key)
                )
            )
