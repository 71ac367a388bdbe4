"""Teams activities, checked at the door before the Agents SDK parses them.

The Bot Framework always sends an activity as a JSON object whose sender, recipient and conversation are
objects with string ids. One that is not (no sender, an object id that is a number, a list for a body) was
forged or broken on the way: the SDK would fail on it inside its own turn (its user state reads `from.id`)
or log a validation error, so it is answered with 400 here, without a traceback. What a card click carries
is checked later, by bot/buttons.py and bot/teams/cards.py, where a Japanese answer can be given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PARTIES = ("from", "recipient", "conversation")
_OPTIONAL_TEXT = ("type", "id", "name", "text", "serviceUrl", "channelId", "replyToId", "locale", "textFormat")
_PARTY_TEXT = ("id", "name", "aadObjectId", "conversationType", "tenantId", "role")


def malformed_activity(body: Any) -> str | None:
    """Why `body` cannot be an activity (English, for the log), or None."""
    if not isinstance(body, Mapping):
        return "not an object"
    if not isinstance(body.get("type"), str):
        return "no type"
    for key in _OPTIONAL_TEXT:
        if body.get(key) is not None and not isinstance(body[key], str):
            return f"{key} is not a string"
    for key in _PARTIES:
        party = body.get(key)
        if not isinstance(party, Mapping) or not isinstance(party.get("id"), str) or not party["id"]:
            return f"{key} has no id"
        for field in _PARTY_TEXT:
            if party.get(field) is not None and not isinstance(party[field], str):
                return f"{key}.{field} is not a string"
    return None
