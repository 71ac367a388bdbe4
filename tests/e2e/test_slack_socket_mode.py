"""Socket Mode (`dxbot run` with SLACK_APP_TOKEN): the built-in client connects to a fake WebSocket endpoint.

apps.connections.open goes to the fake Web API (SLACK_API_URL applies), which hands out the fake socket's
URL; envelopes go through the very same listeners as HTTP requests, and each is acked by envelope_id.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.slack.socket import socket_mode_handler
from tests.e2e.conftest import LEADER, SlackBot, block_text, load_payload
from tests.e2e.fake_slack import RESPONSE_URL_METHOD
from tests.e2e.fake_socket_mode import FakeSocketMode


@pytest.fixture
def socket_bot(bot: SlackBot) -> Iterator[tuple[SlackBot, FakeSocketMode]]:
    endpoint = FakeSocketMode()
    bot.fake.socket_url = endpoint.url
    handler = socket_mode_handler(bot.app, "xapp-1-A0DXBOT01-e2e-app-token")
    handler.connect()
    endpoint.wait_connected()
    yield bot, endpoint
    # Hang up from the server side first: the client's blocking read returns at once instead of timing out.
    handler.client.auto_reconnect_enabled = False
    endpoint.close()
    # The client's message loop waits up to 1 s on its queue; a None wakes it to see it is closed.
    handler.client.closed = True
    handler.client.message_queue.put(None)
    handler.close()


def test_socket_mode_connects_through_the_configured_api_url(socket_bot) -> None:  # type: ignore[no-untyped-def]
    bot, endpoint = socket_bot
    opened = bot.fake.calls_to("apps.connections.open")
    assert len(opened) == 1 and opened[0].authorized
    assert endpoint.handshake_paths[0].startswith("/link/?ticket=e2e-ticket")


def test_slash_command_envelope_is_acked_and_answered(socket_bot) -> None:  # type: ignore[no-untyped-def]
    bot, endpoint = socket_bot
    envelope = load_payload("socket_mode_slash_commands")
    envelope["payload"]["response_url"] = bot.fake.response_url("socket")
    endpoint.send(envelope)
    ack = endpoint.wait_for_ack(envelope["envelope_id"])
    assert ack["envelope_id"] == envelope["envelope_id"]
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    assert reply["response_type"] == "ephemeral"
    assert "10名程度" in block_text(reply["blocks"])
    logged = bot.services.question_log.get(1)
    assert logged is not None and logged.user_id == LEADER


def test_event_envelope_is_answered_in_the_thread_and_a_redelivery_is_dropped(socket_bot) -> None:  # type: ignore[no-untyped-def]
    bot, endpoint = socket_bot
    envelope = load_payload("socket_mode_events_api")
    endpoint.send(envelope)
    endpoint.wait_for_ack(envelope["envelope_id"])
    posted = bot.fake.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == "C0DXCHAN1" and posted["thread_ts"] == envelope["payload"]["event"]["ts"]
    assert "10名程度" in block_text(posted["blocks"])

    redelivered = load_payload("socket_mode_events_api")
    redelivered.update(envelope_id="e2e-redelivery", retry_attempt=1, retry_reason="timeout")
    endpoint.send(redelivered)
    endpoint.wait_for_ack("e2e-redelivery")  # acked, so Slack stops retrying …
    other = load_payload("socket_mode_events_api")
    other["envelope_id"] = "e2e-other"
    other["payload"]["event_id"] = "Ev0SOCKET00002"
    endpoint.send(other)
    endpoint.wait_for_ack("e2e-other")
    bot.fake.wait_for("chat.postMessage", count=2)
    assert len(bot.fake.calls_to("chat.postMessage")) == 2  # … but answered only once


def test_report_form_over_socket_mode(socket_bot) -> None:  # type: ignore[no-untyped-def]
    """The modal's submission answer travels back in the ack's payload."""
    bot, endpoint = socket_bot
    submission = load_payload("view_submission_report")
    endpoint.send(
        {
            "envelope_id": "e2e-view",
            "payload": submission,
            "type": "interactive",
            "accepts_response_payload": True,
        }
    )
    ack = endpoint.wait_for_ack("e2e-view")
    assert ack["payload"]["response_action"] == "update"
    assert "報告を記録しました" in block_text(ack["payload"]["view"]["blocks"])
