"""One of two processes racing for the same inbox keys (tests/integration/test_inbox.py).

Usage: python -m tests.integration.inbox_racer URL COUNT. Waits for a line on stdin (so both start
together), then accepts, claims, decides and delivers every key it can, and prints one JSON line:
the keys it claimed and the keys it found new on insert.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from storage.inbox import Inbox, InboxUnavailable, create_inbox_engine, new_owner


def main() -> int:
    url, count = sys.argv[1], int(sys.argv[2])
    engine = create_inbox_engine(url, timeout=5.0)
    inbox = Inbox(engine, accept_timeout=5.0)
    owner = new_owner()
    sys.stdin.readline()
    claimed: list[str] = []
    inserted: list[str] = []
    errors = 0
    for number in range(count):
        key = f"race:event:{number}"
        now = datetime.now(UTC)
        try:
            if inbox.accept(key, "slack", "event", {"n": number}, now).new:
                inserted.append(key)
            item = inbox.claim(key, owner, now)
            if item is not None:
                claimed.append(key)
                inbox.decide(key, owner, {"text": f"done {number}"}, now)
                inbox.mark_delivered(key, owner, now)
        except InboxUnavailable:
            errors += 1
    engine.dispose()
    print(json.dumps({"claimed": claimed, "inserted": inserted, "errors": errors}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
