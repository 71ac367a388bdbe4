"""Slack requests through the durable intake (bot/intake.py; docs/architecture.md §5).

Two passes through the same Bolt app:

1. Accept (`IntakeApp.dispatch`, on the ack path, HTTP and Socket Mode alike): the request is written to the
   inbox under its Slack id (`slack:event:<event_id>`, `slack:command:<trigger_id>`,
   `slack:action:<trigger_id>`) and acknowledged with an empty 200; no listener runs, nothing else waits for
   the database. A form submission is the exception: its answer *is* the acknowledgement, so it is worked at
   once, its database waits bounded to fit in Slack's 3 seconds.
2. Work (`SlackIntake.work`, in an intake worker, later or after a restart): the stored payload is dispatched
   again to the very same listeners, with Bolt's `client` and `respond` replaced by a `Recorder`, so what they
   would send becomes the request's outcome. The intake stores it, then `deliver` sends it.
3. A delivery found pending after a crash (`deliver(…, pending_since=…)`): every message the bot posts with
   `chat.postMessage` carries Slack message metadata naming its inbox row and place (`dxbot_confirmation`), so
   the resumed delivery first looks for it in the conversation or thread (`conversations.history` /
   `conversations.replies` with `include_all_metadata`, from shortly before the delivery began) and posts only
   what is not there. What Slack sends again harmlessly (views, replacing the clicked message) is sent again;
   an ephemeral reply cannot be looked up, and is sent again too (docs/architecture.md §5 says why).

When the inbox cannot be written, nothing is stored: a report (`報告`, `取消`, `登録`, a form) is refused at
once with `NOT_TAKEN`, and anything else is answered from memory, without an inbox row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError

from bot.console import GENERIC_ERROR
from bot.errors import NOT_TAKEN
from bot.intake import Intake, Outcome
from bot.replies import Reply, refusal
from bot.slack import blocks as bk
from bot.slack import render
from bot.slack.retry import RetryingRespond
from storage.db import database_deadline
from storage.inbox import Accepted, InboxItem, InboxUnavailable

logger = logging.getLogger(__name__)

PLATFORM = "slack"
WORK = "dxbot_intake_recorder"  # context key: present while a stored request is worked (pass 2)
FORM_SECONDS = 1.5  # a form's database waits: with the inbox insert (1 s) it stays within Slack's 3 s
DELIVERY_EVENT = "dxbot_confirmation"  # the metadata event_type on what the intake posts
LOOKUP_MARGIN = timedelta(seconds=60)  # looked up from this long before the delivery began (clock skew)
LOOKUP_PAGE = 200  # messages per conversations.history / .replies page
LOOKUP_PAGES = 10  # pages looked through at most (a pending delivery is seconds old)

Op = dict[str, Any]
Dispatch = Callable[[BoltRequest], BoltResponse]


def request_key(body: dict[str, Any]) -> tuple[str, str] | None:
    """The inbox key and kind of a Slack request, from Slack's own ids; None for anything else (URL
    verification, a payload without an id), which Bolt handles as before."""
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return f"slack:event:{body['event_id']}", "event"
    if body.get("command") and body.get("trigger_id"):
        return f"slack:command:{body['trigger_id']}", "command"
    if kind in ("block_actions", "view_submission") and body.get("trigger_id"):
        return f"slack:action:{body['trigger_id']}", "view" if kind == "view_submission" else "action"
    return None


class Recorder:
    """Stands in for Bolt's `client` and `respond` while a stored request is worked: what the listeners would
    send is written down (JSON), to be stored as the outcome and sent only once that is recorded."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.client = _RecordingClient(self.ops)

    def respond_to(self, response_url: str) -> Callable[..., dict[str, Any]]:
        def respond(text: str | dict[str, Any] = "", **fields: Any) -> dict[str, Any]:
            message = dict(text) if isinstance(text, dict) else {"text": text, **fields}
            self.ops.append({"respond": response_url, "message": message})
            return {"ok": True}

        return respond


class _RecordingClient:
    """The Web API methods the listeners call (`chat_postMessage`, `views_open`, `views_publish`…), recorded."""

    def __init__(self, ops: list[Op]) -> None:
        self._ops = ops

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(**args: Any) -> dict[str, Any]:
            self._ops.append({"call": method, "args": args})
            return {"ok": True}

        return call


class IntakeApp(App):
    """Bolt's App whose `dispatch` accepts a request into the inbox before anything else (pass 1)."""

    slack_intake: SlackIntake | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        glue = self.slack_intake
        if glue is None or req.context.get(WORK) is not None:
            return super().dispatch(req)
        return glue.accept(req, super().dispatch)


class SlackIntake:
    """Slack's part of the intake (bot.intake.PlatformWork), and the ack path in front of Bolt."""

    def __init__(self, app: IntakeApp, intake: Intake, records: Callable[[dict[str, Any]], bool]) -> None:
        self.app = app
        self.intake = intake
        self._records = records  # does this request write (a report…)? From the core's router, via app.py
        app.slack_intake = self
        intake.register(PLATFORM, self)

    # ------------------------------------------------------------------ pass 1: accept, then ack

    def accept(self, req: BoltRequest, dispatch: Dispatch) -> BoltResponse:
        request = request_key(req.body)
        if request is None:
            return dispatch(req)
        key, kind = request
        if not self._listened_to(req):
            return dispatch(req)  # nothing of ours would run (an event we ignore, a form we never drew): as before
        try:
            accepted = self.intake.accept(key, PLATFORM, kind, req.body)
        except InboxUnavailable as error:
            logger.warning("inbox unavailable (%s): Slack %s not stored", error, kind)
            return self._not_taken(req, kind)
        if kind == "view":
            return self._form_now(accepted, req, dispatch)
        if accepted.item.delivered:
            logger.info("%s was answered before; dropping the redelivery", key)
        else:
            self.intake.submit(key, accepted)  # a redelivery of one not done is worked again (taking the lease)
        return BoltResponse(status=200, body="")

    def _listened_to(self, req: BoltRequest) -> bool:
        """Whether a listener of ours matches the request (Bolt's own matchers; `_listeners` has no public accessor)."""
        probe = BoltResponse(status=200, body="")
        return any(listener.matches(req=req, resp=probe) for listener in self.app._listeners)

    def _form_now(self, accepted: Accepted, req: BoltRequest, dispatch: Dispatch) -> BoltResponse:
        """A form submission: worked in this thread, because Slack shows the ack's answer in the form."""
        fresh: list[BoltResponse] = []

        def work() -> Outcome:
            with database_deadline(FORM_SECONDS):
                response = dispatch(req)
            fresh.append(response)
            return Outcome({"status": response.status, "body": response.body}, failed=response.status >= 500)

        try:
            outcome = self.intake.process_inline(accepted, work)
        except InboxUnavailable as error:
            logger.warning("inbox unavailable (%s): form submission refused", error)
            return _refused_form()
        if fresh:
            return fresh[0]
        if outcome is None:  # another worker holds it right now
            return BoltResponse(status=200, body="")
        return BoltResponse(
            status=int(outcome.result.get("status") or 200),
            body=str(outcome.result.get("body") or ""),
            headers={"content-type": ["application/json;charset=utf-8"]},
        )

    def _not_taken(self, req: BoltRequest, kind: str) -> BoltResponse:
        """The inbox could not be written: nothing is stored. Refuse a report at once; answer the rest from memory."""
        body = req.body
        if kind == "view":
            return _refused_form()
        if self._records(body):
            ops = tell(body, refusal(NOT_TAKEN))
            self.intake.run_unstored(lambda: self.send(ops))
        else:
            self.intake.run_unstored(lambda: self.send(self._recorded_work(body)[0]))
        return BoltResponse(status=200, body="")

    # ------------------------------------------------------------------ pass 2: work, then deliver

    def work(self, item: InboxItem) -> Outcome:
        if item.kind == "view" or item.payload is None:
            # A form's answer was its ack, long gone: it is not worked later (a report is never stored late).
            return Outcome({"ops": []}, failed=True)
        ops, status = self._recorded_work(item.payload)
        return Outcome({"ops": ops}, failed=status >= 500)

    def _recorded_work(self, body: dict[str, Any]) -> tuple[list[Op], int]:
        recorder = Recorder()
        # Socket-mode style (a parsed body): the signature was checked when the request came in.
        response = self.app.dispatch(BoltRequest(body=body, mode="socket_mode", context={WORK: recorder}))
        return recorder.ops, response.status

    def deliver(self, item: InboxItem, result: dict[str, Any], *, pending_since: datetime | None = None) -> None:
        self.send(list(result.get("ops") or []), key=item.key, pending_since=pending_since)

    def give_up(self, item: InboxItem) -> Outcome:
        return Outcome({"ops": tell(item.payload or {}, refusal(GENERIC_ERROR))}, failed=True)

    def send(self, ops: list[Op], *, key: str | None = None, pending_since: datetime | None = None) -> None:
        """Send recorded operations in order; a failure is logged and the rest still sent.

        With the inbox `key`, every message posted carries metadata naming it and its place among `ops`;
        with `pending_since` too, a message found posted already (a delivery cut short) is not posted again."""
        for index, op in enumerate(ops):
            method = op.get("call", "respond")
            try:
                if "respond" in op:
                    RetryingRespond(response_url=op["respond"])(dict(op["message"]))
                    continue
                args = dict(op["args"])
                if key is not None and method == "chat_postMessage" and "metadata" not in args:
                    args["metadata"] = delivery_marker(key, index)
                    if pending_since is not None and self._posted_already(args, pending_since):
                        logger.info("a pending delivery's message had reached Slack; not posted again")
                        continue
                getattr(self.app.client, method)(**args)
            except SlackApiError as error:
                logger.warning("Slack refused %s: %s", method, error.response.get("error"))
            except Exception:
                logger.warning("could not send %s to Slack", method, exc_info=True)

    def _posted_already(self, args: dict[str, Any], since: datetime) -> bool:
        """Whether the message `args` describes (its metadata marker) is in its conversation or thread, posted
        after `since` (less a margin). Slack keeps message metadata and returns it only when asked
        (`include_all_metadata`). When it cannot be looked up, False: the message is posted again."""
        marker = args["metadata"]
        query: dict[str, Any] = {
            "channel": args.get("channel"),
            "oldest": f"{(since - LOOKUP_MARGIN).timestamp():.6f}",
            "include_all_metadata": True,
            "limit": LOOKUP_PAGE,
        }
        if args.get("thread_ts"):
            lookup, query["ts"] = self.app.client.conversations_replies, args["thread_ts"]
        else:
            lookup = self.app.client.conversations_history
        cursor: str | None = None
        try:
            for _ in range(LOOKUP_PAGES):
                page = lookup(**query, cursor=cursor)
                if any(_same_marker(message.get("metadata"), marker) for message in page.get("messages") or []):
                    return True
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return False
        except SlackApiError as error:
            logger.warning("could not look up a pending delivery (%s); posting it again", error.response.get("error"))
        except OSError as error:  # Slack unreachable now: the post below is retried and logged on its own
            logger.warning("could not look up a pending delivery (%s); posting it again", error.__class__.__name__)
        return False

    # ------------------------------------------------------------------ wiring

    def record_while_working(self, context: Any, next: Any) -> Any:  # noqa: A002 - Bolt's argument name
        """Middleware: during pass 2 the listeners' `client` and `respond` record instead of sending."""
        recorder = context.get(WORK)
        if recorder is not None:
            context["client"] = recorder.client
            if context.response_url:
                context["respond"] = recorder.respond_to(context.response_url)
        return next()


def delivery_marker(key: str, index: int) -> dict[str, Any]:
    """Slack message metadata naming an inbox row and the place of a message among its operations."""
    return {"event_type": DELIVERY_EVENT, "event_payload": {"inbox_key": key, "op": index}}


def _same_marker(found: Any, marker: dict[str, Any]) -> bool:
    return (
        isinstance(found, dict)
        and found.get("event_type") == marker["event_type"]
        and found.get("event_payload") == marker["event_payload"]
    )


def tell(body: dict[str, Any], reply: Reply) -> list[Op]:
    """Operations that tell the sender of `body` `reply`, without the core (no database): an ephemeral reply
    to a command or a button, a message in the conversation of an event."""
    if body.get("response_url"):
        message = render.render_reply(reply, ephemeral=True)
        return [{"respond": body["response_url"], "message": {"response_type": "ephemeral", "replace_original": False,
                                                              "text": message.text, "blocks": message.blocks}}]
    event = body.get("event") or {}
    if event.get("channel") and event.get("type") in ("app_mention", "message"):
        message = render.render_reply(reply, ephemeral=False)
        thread = event.get("thread_ts") or (event.get("ts") if event.get("type") == "app_mention" else None)
        return [{"call": "chat_postMessage", "args": {"channel": event["channel"], "thread_ts": thread,
                                                      "text": message.text, "blocks": message.blocks}}]
    return []


def _refused_form() -> BoltResponse:
    return BoltResponse(
        status=200,
        body={"response_action": "update", "view": bk.error_view(NOT_TAKEN)},
    )
