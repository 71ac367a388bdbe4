"""A delivery cut short by a crash (the outcome recorded, its delivery pending, the worker gone) is finished
by the next worker exactly once: the real bot, its inbox on SQLite and PostgreSQL, the fake Slack keeping the
messages it was sent (with their metadata) as Slack does.

The dead worker is played here by writing its inbox row as it would have left it, and, where it got that far,
by posting its message to the fake Slack as it would have.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.clock import utc_now
from bot.slack.intake import DELIVERY_EVENT, delivery_marker
from tests.e2e.conftest import BOT_TOKEN, SlackBot
from tests.e2e.fake_slack import FakeSlack

CHANNEL = "C0DXCHAN1"
THREAD = "1732770400.000123"  # the user's @mention the confirmation answers
CONFIRMATION = "報告を記録しました：書かない窓口 実施中 60%"


DEAD_WORKER = "dead-worker"


def leave_pending(bot: SlackBot, key: str, ops: list[dict[str, Any]]) -> None:
    """The inbox row as a worker killed between deciding and recording the delivery leaves it.

    Its lease is still held here, so the bot's own resume timer cannot take the row before the test has
    played the rest of the dead worker's part; `resume_and_wait` lets the lease run out first."""
    inbox = bot.services.intake.inbox
    now = utc_now()
    assert inbox.accept(key, "slack", "event", {"type": "event_callback"}, now, owner=DEAD_WORKER).new
    assert inbox.decide(key, DEAD_WORKER, {"ops": ops}, now)
    row = inbox.get(key)
    assert row is not None and row.delivery_pending and row.lease_owner == DEAD_WORKER


def post_as_the_dead_worker(fake: FakeSlack, args: dict[str, Any], key: str, index: int = 0) -> None:
    WebClient(token=BOT_TOKEN, base_url=fake.api_url).chat_postMessage(**args, metadata=delivery_marker(key, index))


def resume_and_wait(bot: SlackBot, key: str) -> None:
    """The dead worker's lease runs out; the next resume (this one, or the bot's timer) finishes the row."""
    bot.services.intake.inbox.release(key, DEAD_WORKER)
    bot.services.intake.resume()
    bot.services.intake.drain(10)
    row = bot.services.intake.inbox.get(key)
    assert row is not None and row.delivered and not row.delivery_pending and row.lease_owner is None


def confirmation_posts(fake: FakeSlack, thread: str | None = THREAD) -> list[Any]:
    return [
        c for c in fake.calls_to("chat.postMessage") if c.params.get("text") == CONFIRMATION and c.params.get("thread_ts") == thread
    ]


def thread_reply() -> dict[str, Any]:
    return {"call": "chat_postMessage", "args": {"channel": CHANNEL, "thread_ts": THREAD, "text": CONFIRMATION}}


def test_a_confirmation_that_reached_the_thread_before_the_crash_is_not_posted_again(
    start_bot: Callable[..., SlackBot], db_url: str
) -> None:
    bot = start_bot(db_url)
    key = "slack:event:EvPENDING1"
    leave_pending(bot, key, [thread_reply()])
    post_as_the_dead_worker(bot.fake, thread_reply()["args"], key)
    resume_and_wait(bot, key)
    assert len(confirmation_posts(bot.fake)) == 1  # the dead worker's, and no other
    lookups = bot.fake.calls_to("conversations.replies")
    assert len(lookups) == 1 and lookups[0].params["ts"] == THREAD and lookups[0].params["channel"] == CHANNEL
    assert lookups[0].params["include_all_metadata"] in ("1", "true")


def test_a_confirmation_the_crash_cut_off_is_posted_once_carrying_its_marker(
    start_bot: Callable[..., SlackBot], db_url: str
) -> None:
    bot = start_bot(db_url)
    key = "slack:event:EvPENDING2"
    leave_pending(bot, key, [thread_reply()])
    # Another delivery's message in the same thread is not this one's.
    post_as_the_dead_worker(bot.fake, thread_reply()["args"], "slack:event:EvSOMEONEELSE")
    resume_and_wait(bot, key)
    posts = confirmation_posts(bot.fake)
    assert len(posts) == 2 and posts[-1].params["metadata"] == delivery_marker(key, 0)
    assert posts[-1].params["metadata"]["event_type"] == DELIVERY_EVENT


def test_of_two_messages_only_the_one_not_yet_in_the_dm_is_posted(
    start_bot: Callable[..., SlackBot], db_url: str
) -> None:
    bot = start_bot(db_url)
    key = "slack:event:EvPENDING3"
    first = {"call": "chat_postMessage", "args": {"channel": "D0DMCHAN01", "text": CONFIRMATION}}
    second = {"call": "chat_postMessage", "args": {"channel": "D0DMCHAN01", "text": "続きのお知らせ"}}
    leave_pending(bot, key, [first, second])
    post_as_the_dead_worker(bot.fake, first["args"], key, index=0)  # killed between the two posts
    resume_and_wait(bot, key)
    texts = [c.params.get("text") for c in bot.fake.calls_to("chat.postMessage")]
    assert texts == [CONFIRMATION, "続きのお知らせ"]
    assert len(bot.fake.calls_to("conversations.history")) == 2  # a DM: the channel's messages, not a thread


def test_when_slack_cannot_be_asked_the_confirmation_is_posted_again_rather_than_never(
    start_bot: Callable[..., SlackBot], db_url: str
) -> None:
    bot = start_bot(db_url)
    key = "slack:event:EvPENDING4"
    leave_pending(bot, key, [thread_reply()])
    bot.fake.failures["conversations.replies"] = "missing_scope"
    resume_and_wait(bot, key)
    assert len(confirmation_posts(bot.fake)) == 1


def test_the_fake_returns_message_metadata_only_when_asked_as_slack_does(fake_slack: FakeSlack) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    client.chat_postMessage(channel=CHANNEL, thread_ts=THREAD, text="a", metadata=delivery_marker("k", 0))
    client.chat_postMessage(channel=CHANNEL, text="top level", metadata=delivery_marker("k", 1))
    plain = client.conversations_replies(channel=CHANNEL, ts=THREAD)["messages"]
    full = client.conversations_replies(channel=CHANNEL, ts=THREAD, include_all_metadata=True)["messages"]
    assert [m["text"] for m in plain] == ["a"] and "metadata" not in plain[0]
    assert full[0]["metadata"] == delivery_marker("k", 0)
    history = client.conversations_history(channel=CHANNEL, include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["top level"]  # a thread's replies are not in the channel's history
    newest = float(history[0]["ts"])
    assert client.conversations_history(channel=CHANNEL, oldest=f"{newest:.6f}")["messages"] == []
