"""The Agents SDK's storage interface on our database, and the conversation references kept in it.

The SDK's `MemoryStorage` forgets everything on restart, so proactive posts (the digest, reminders) would
stop working after a deploy. `DatabaseStorage` keeps the SDK's JSON documents in the `conversation_store`
table (storage/conversations.py), which every bot process shares. The blocking database calls run in a
worker thread so the event loop is never held up.

Keys: the SDK's own `proactive/conversations/<conversation id>` for a reference (channel ids without the
`;messageid=` of a thread, so a digest is a new post in the channel), and `dxbot/teams/users/<aad object
id>` for the personal chat a reminder goes to.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeVar

from microsoft_agents.activity import ConversationAccount, ConversationReference
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.app.proactive import Conversation
from microsoft_agents.hosting.core.storage import Storage, StoreItem

from storage.conversations import ConversationStore

logger = logging.getLogger(__name__)

StoreItemT = TypeVar("StoreItemT", bound=StoreItem)

CONVERSATION_PREFIX = "proactive/conversations/"
USER_PREFIX = "dxbot/teams/users/"
THREAD_MARK = ";messageid="


class DatabaseStorage(Storage):
    """`Storage` on the shared database: read, write and delete the SDK's JSON documents by key."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    async def read(self, keys: list[str], *, target_cls: type[StoreItemT], **kwargs: Any) -> dict[str, StoreItemT]:
        if not keys:
            raise ValueError("Storage.read(): keys are required")
        documents = await asyncio.to_thread(self.store.read, keys)
        return {key: target_cls.from_json_to_store_item(doc) for key, doc in documents.items()}  # type: ignore[misc]

    async def write(self, changes: dict[str, StoreItem]) -> None:
        if not changes:
            raise ValueError("Storage.write(): changes are required")
        documents = {key: item.store_item_to_json() for key, item in changes.items()}
        await asyncio.to_thread(self.store.write, documents)  # type: ignore[arg-type]

    async def delete(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("Storage.delete(): keys are required")
        await asyncio.to_thread(self.store.delete, keys)


def channel_of(conversation_id: str) -> str:
    """A channel's conversation id without the thread part (`19:…@thread.tacv2;messageid=…`)."""
    return conversation_id.split(THREAD_MARK, 1)[0]


def conversation_key(conversation_id: str) -> str:
    return CONVERSATION_PREFIX + channel_of(conversation_id)


def user_key(aad_object_id: str) -> str:
    return USER_PREFIX + aad_object_id.lower()  # object ids are GUIDs; the staff directory keeps them lower case


def reference_for_channel(context: TurnContext) -> Conversation:
    """The turn's conversation reference, pointed at the channel itself (a new post, not the thread)."""
    conversation = Conversation.from_turn_context(context)
    reference = conversation.conversation_reference
    account = reference.conversation
    if account is not None and account.id and THREAD_MARK in account.id:
        data = account.model_dump(by_alias=True, exclude_none=True)
        data["id"] = channel_of(account.id)
        reference = reference.model_copy(update={"conversation": ConversationAccount.model_validate(data)})
        reference = reference.model_copy(update={"activity_id": None})
        conversation = Conversation(conversation.claims, reference)
    return conversation


class ConversationDirectory:
    """Where proactive posts go: the stored references (read by every process), by channel or by user."""

    def __init__(self, storage: DatabaseStorage) -> None:
        self.storage = storage

    async def remember(self, context: TurnContext) -> None:
        """Keep this turn's conversation (and, for a personal chat, whose it is) for later posts."""
        conversation = reference_for_channel(context)
        reference = conversation.conversation_reference
        if reference.conversation is None or not reference.conversation.id:
            return
        changes: dict[str, StoreItem] = {conversation_key(reference.conversation.id): conversation}
        activity = context.activity
        personal = (activity.conversation.conversation_type if activity.conversation else None) == "personal"
        aad = getattr(activity.from_property, "aad_object_id", None) if activity.from_property else None
        if personal and aad:
            changes[user_key(aad)] = _UserChat(reference.conversation.id)
        await self.storage.write(changes)

    async def conversation(self, conversation_id: str) -> Conversation | None:
        key = conversation_key(conversation_id)
        found = await self.storage.read([key], target_cls=Conversation)
        return found.get(key)

    async def personal_chat(self, aad_object_id: str) -> Conversation | None:
        key = user_key(aad_object_id)
        found = await self.storage.read([key], target_cls=_UserChat)
        chat = found.get(key)
        return await self.conversation(chat.conversation_id) if chat else None


class _UserChat(StoreItem):
    """Which personal chat is a person's (their aad object id → the chat's conversation id)."""

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id

    def store_item_to_json(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id}

    @staticmethod
    def from_json_to_store_item(json_data: Any) -> _UserChat:
        return _UserChat(str(json_data["conversation_id"]))


def thread_reference(conversation: Conversation, message_id: str) -> Conversation:
    """The same conversation, addressed to the thread under `message_id` (a digest's continuation)."""
    reference: ConversationReference = conversation.conversation_reference
    if reference.conversation is None:
        raise ValueError("conversation reference without a conversation")
    data = reference.conversation.model_dump(by_alias=True, exclude_none=True)
    data["id"] = f"{channel_of(reference.conversation.id)}{THREAD_MARK}{message_id}"
    threaded = reference.model_copy(update={"conversation": ConversationAccount.model_validate(data)})
    return Conversation(conversation.claims, threaded)
