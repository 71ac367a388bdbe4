"""The Bolt App: one factory, listeners registered per area (commands, events, actions, views).

Listeners are thin: they parse the payload, call the same core as the console (`Bot.handle`,
`QuestionService.answer_entry`, `ProgressService`), and render the neutral reply with `bot.slack.render`. They run
from the inbox, after the ack (bot/slack/intake.py): a request is stored, acknowledged, and then worked, so Slack's
3-second limit is met whatever the work costs, and a crash loses nothing that was acknowledged.
Expected failures come back from the core as `Refusal` / `UserError`; anything else reaches the single
`app.error` handler.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient

from bot.buttons import STALE_BUTTON, ButtonValue, read_button_value
from bot.console import GENERIC_ERROR
from bot.errors import STORAGE_UNAVAILABLE, UserError, is_storage_outage
from bot.feedback import FeedbackService
from bot.handlers.progress import render_report
from bot.home import home_for as home_screen
from bot.progress.form import (
    FieldErrors,
    report_form,
    submit_report_form,
    validate_report_form,
)
from bot.progress.parsing import ReportDraft
from bot.progress.service import ProgressService
from bot.replies import (
    Answer,
    ChatContext,
    Command,
    Mention,
    OpenReportForm,
    Reply,
    Surface,
    UserRef,
    blocks,
    para,
    refusal,
)
from bot.slack import blocks as bk
from bot.slack import render
from bot.slack.intake import IntakeApp, SlackIntake
from bot.slack.payloads import (
    UNREADABLE_FORM,
    CheckedApp,
    Click,
    form_values,
    read_click,
    read_submission,
)
from bot.slack.retry import slack_retry_handlers, use_retrying_respond

if TYPE_CHECKING:
    from bot.bootstrap import Bot

logger = logging.getLogger(__name__)

SLASH_COMMAND = render.SLASH_COMMAND
PLATFORM = "slack"
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")
_LEADING_MENTIONS = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>\s*)+")


class SlackSetupError(RuntimeError):
    """The Slack app cannot start; the message names what to fix, never a secret."""


class SlackNotConfigured(SlackSetupError):
    """SLACK_BOT_TOKEN is missing."""


class SlackUnreachable(SlackSetupError):
    """Slack's Web API could not be reached (network, proxy, SLACK_API_URL)."""


class SlackTokenRejected(SlackSetupError):
    """auth.test refused the bot token."""


@dataclass
class SlackDeps:
    """What the listeners need: the built bot."""

    bot: Bot

    @property
    def contact(self) -> str:
        return self.bot.kb.contact or "事務局"

    @property
    def progress(self) -> ProgressService:
        return self.bot.progress

    @property
    def feedback(self) -> FeedbackService:
        return self.bot.feedback


class SlackApp(CheckedApp, IntakeApp):
    """Malformed payloads refused first (bot/slack/payloads.py), then each request stored in the inbox before
    its ack and worked from there (bot/slack/intake.py)."""


def build_web_client(token: str | None, api_url: str) -> WebClient:
    """A Web API client on `api_url` (SLACK_API_URL) with bounded retries (bot/slack/retry.py); connects only when used."""
    base_url = api_url if api_url.endswith("/") else api_url + "/"
    return WebClient(token=token, base_url=base_url, retry_handlers=slack_retry_handlers())


def build_slack_app(
    bot: Bot,
    *,
    client: WebClient | None = None,
    token_verification_enabled: bool = True,
) -> App:
    """The Bolt App for `bot`. With token verification, Bolt calls auth.test here (not at import).

    Requests go through `bot.intake` (bot/slack/intake.py): listeners run in its workers, synchronously
    (`process_before_response`), once the request is stored and acknowledged."""
    settings = bot.settings
    if not settings.slack_bot_token:
        raise SlackNotConfigured("SLACK_BOT_TOKEN is not set")
    try:
        app = SlackApp(
            name="dxbot",
            client=client or build_web_client(settings.slack_bot_token, settings.slack_api_url),
            # Socket Mode does not sign requests; over HTTP the CLI insists on a secret.
            signing_secret=settings.slack_signing_secret or "",
            token_verification_enabled=token_verification_enabled,
            process_before_response=True,
        )
    except BoltError as error:  # Bolt's message quotes Slack's error code, not the token
        raise SlackTokenRejected(str(error)) from error
    except OSError as error:  # auth.test could not reach Slack at all (after the client's retries)
        reason = getattr(error, "reason", None)  # URLError keeps the socket error here
        raise SlackUnreachable(str(reason or error) or type(error).__name__) from error
    deps = SlackDeps(bot=bot)
    intake = SlackIntake(app, bot.intake, lambda body: bot.router.records(request_words(body)))
    use_retrying_respond(app)
    app.use(intake.record_while_working)  # after the retrying respond, which it replaces while working
    register_commands(app, deps)
    register_events(app, deps)
    register_actions(app, deps)
    register_views(app, deps)
    register_error_handler(app, deps)
    return app


# ---------------------------------------------------------------- helpers


def message_text(raw: str, bot_user_id: str | None = None) -> str:
    """The user's words from a Slack message: leading/bot mentions removed, Slack's escaping undone."""
    text = _LEADING_MENTIONS.sub("", raw or "")
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return bk.unescape(text).strip()


def request_words(body: dict[str, Any]) -> str:
    """What a person wrote in a slash command or a message event (mentions aside), for the core to classify."""
    if body.get("command"):
        return str(body.get("text") or "")
    return message_text(str((body.get("event") or {}).get("text") or ""))


def slack_mentions(raw: str) -> tuple[str, tuple[Mention, ...]]:
    """Slack's raw text (still escaped) as the user's words, and who its mentions (`<@U…|name>`) are.

    Mentions are read before unescaping: a `<@U…>` typed literally arrives as `&lt;@U…&gt;` and is text.
    The words keep each mention as it was written; `Mention.text` is that exact piece, for the core to match."""
    mentions = tuple(
        Mention(bk.unescape(found.group(0)), UserRef(PLATFORM, found.group(1)), bk.unescape(found.group(2) or "").strip() or None)
        for found in _MENTION.finditer(raw or "")
    )
    return bk.unescape(raw or ""), mentions


def _message_parts(raw: str, bot_user_id: str | None) -> tuple[str, tuple[Mention, ...]]:
    """A message's words and mentions, the bot's own mention (and leading ones) left out."""
    text = _LEADING_MENTIONS.sub("", raw or "")
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    words, mentions = slack_mentions(text)
    return words.strip(), mentions


def slack_context(
    user_id: str | None,
    channel: str | None,
    *,
    request_id: str | None = None,
    thread: str | None = None,
    surface: Surface = "channel",
    mentions: tuple[Mention, ...] = (),
) -> ChatContext:
    """The core's view of a Slack request: who (a Slack user ID), where, and the request's id."""
    return ChatContext(
        user=UserRef(PLATFORM, user_id) if user_id else None,
        conversation=channel,
        platform=PLATFORM,
        request_id=request_id,
        thread=thread,
        surface=surface,
        mentions=mentions,
    )


def _click_context(click: Click) -> ChatContext:
    return slack_context(click.user_id, click.channel, thread=click.thread)


def _entry_answer(deps: SlackDeps, ctx: ChatContext, value: ButtonValue) -> Reply:
    """The answer of the entry a button names, tied to the question it answers (for feedback)."""
    return deps.bot.questions.answer_entry(ctx, value.entry_id, value.log_id)


def _button_value(click: Click, respond: Any) -> ButtonValue | None:
    """What our button carries, or None after telling the clicker (in Japanese) that it cannot be read."""
    try:
        return read_button_value(bk.decode_value(click.value))
    except UserError as error:
        _refuse(click, respond, error)
        return None


def _refuse(click: Click, respond: Any, error: UserError) -> None:
    message = render.render_reply(refusal(error.blocks), ephemeral=True)
    respond(response_type="ephemeral", replace_original=False, text=message.text, blocks=message.blocks)


def _post_reply(
    deps: SlackDeps, client: WebClient, reply: Reply, *, channel: str, thread_ts: str | None
) -> None:
    """A reply to a mention or a DM: a normal message (everyone in the conversation sees it)."""
    message = render.render_reply(reply, ephemeral=False)
    client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message.text, blocks=message.blocks)


# ---------------------------------------------------------------- commands


def register_commands(app: App, deps: SlackDeps) -> None:
    @app.command(SLASH_COMMAND)
    def on_dx(ack: Any, command: dict[str, Any], respond: Any, client: WebClient) -> None:
        ack()  # within Slack's 3 seconds; the work below continues after the ack
        user_id = command.get("user_id")
        channel = command.get("channel_id")
        trigger_id = command.get("trigger_id")
        text, mentions = slack_mentions(command.get("text") or "")
        request_id = f"slack-command:{trigger_id}" if trigger_id else None
        ctx = slack_context(user_id, channel, request_id=request_id, mentions=mentions)
        reply = deps.bot.handle(ctx, text)
        if isinstance(reply, OpenReportForm) and trigger_id:
            open_report_form(deps, client, trigger_id=trigger_id, user_id=user_id)
            return
        message = render.render_reply(reply, ephemeral=True, echo_question=True)
        respond(response_type="ephemeral", replace_original=False, text=message.text, blocks=message.blocks)


# ---------------------------------------------------------------- events


def register_events(app: App, deps: SlackDeps) -> None:
    @app.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient, context: Any) -> None:
        channel = event["channel"]
        thread_ts = event.get("thread_ts") or event.get("ts")
        text, mentions = _message_parts(event.get("text", ""), context.bot_user_id)
        ctx = slack_context(
            event.get("user"),
            channel,
            request_id=f"slack-event:{body.get('event_id')}",
            thread=thread_ts,
            mentions=mentions,
        )
        reply = deps.bot.handle(ctx, text)
        _post_reply(deps, client, reply, channel=channel, thread_ts=thread_ts)

    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any], client: WebClient, context: Any) -> None:
        # Only direct messages from people: edits, deletions, joins and bots (ourselves included) are ignored.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        text, mentions = _message_parts(event.get("text", ""), context.bot_user_id)
        ctx = slack_context(
            event.get("user"),
            event["channel"],
            request_id=f"slack-event:{body.get('event_id')}",
            thread=event.get("thread_ts"),
            surface="personal",
            mentions=mentions,
        )
        reply = deps.bot.handle(ctx, text)
        _post_reply(deps, client, reply, channel=event["channel"], thread_ts=event.get("thread_ts"))

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        client.views_publish(user_id=user_id, view=home_for(deps, user_id))


def home_for(deps: SlackDeps, user_id: str) -> dict[str, Any]:
    """App Home: the core's home screen (bot/home.py), drawn as a Slack view."""
    return render.home_view(home_screen(deps.progress, UserRef(PLATFORM, user_id)))


# ---------------------------------------------------------------- actions


def register_actions(app: App, deps: SlackDeps) -> None:
    # Every payload reaching these listeners passed bot/slack/payloads.py's checks (CheckedApp: 400 otherwise).
    @app.action(re.compile(rf"^{bk.ACTION_CHOICE_PREFIX}\d+$"))
    def on_choice(ack: Any, body: dict[str, Any], respond: Any) -> None:
        """A 「もしかして」 button: show that entry's answer in place of the choices."""
        ack()
        click = read_click(body)
        value = _button_value(click, respond)
        if value is None:
            return
        # The same as typing the choice's number: the core records the pick and forgets the choices.
        reply = deps.bot.chat.choose(_click_context(click), value.entry_id, value.log_id)
        if not isinstance(reply, Answer):
            message = render.render_reply(reply, ephemeral=click.ephemeral)
            respond(replace_original=True, text=message.text, blocks=message.blocks)
            return
        question = deps.bot.questions.logged_question(value.log_id)
        message = render.answer_message(reply, ephemeral=click.ephemeral, question=question)
        respond(replace_original=True, text=message.text, blocks=message.blocks)

    @app.action(re.compile(rf"^({bk.ACTION_FEEDBACK_HELPFUL}|{bk.ACTION_FEEDBACK_WRONG})$"))
    def on_feedback(ack: Any, body: dict[str, Any], respond: Any) -> None:
        """役に立った / 違った: stored with the question, then the buttons turn into a thank-you."""
        ack()
        click = read_click(body)
        value = _button_value(click, respond)
        if value is None:
            return
        ctx = _click_context(click)
        reply = _entry_answer(deps, ctx, value)  # an entry the knowledge base does not hold is refused here
        if not isinstance(reply, Answer):
            message = render.render_reply(reply, ephemeral=True)
            respond(response_type="ephemeral", replace_original=False, text=message.text, blocks=message.blocks)
            return
        try:
            verdict = deps.feedback.rate(ctx.user, value.log_id, value.entry_id, click.action_id == bk.ACTION_FEEDBACK_HELPFUL)
        except UserError as error:
            _refuse(click, respond, error)
            return
        question = deps.bot.questions.logged_question(value.log_id)
        message = render.answer_message(reply, ephemeral=click.ephemeral, feedback=verdict.value, question=question)
        respond(replace_original=True, text=message.text, blocks=message.blocks)

    @app.action(bk.ACTION_SHARE)
    def on_share(ack: Any, body: dict[str, Any], respond: Any) -> None:
        """「チャンネルに共有」: post the answer for everyone, and remove the private copy."""
        ack()
        click = read_click(body)
        value = _button_value(click, respond)
        if value is None:
            return
        reply = _entry_answer(deps, _click_context(click), value)
        if not isinstance(reply, Answer):
            message = render.render_reply(reply, ephemeral=True)
            respond(replace_original=True, text=message.text, blocks=message.blocks)
            return
        message = render.shared_answer_message(reply, click.user_id)
        respond(response_type="in_channel", replace_original=False, text=message.text, blocks=message.blocks)
        respond(delete_original=True)

    @app.action(bk.ACTION_OPEN_REPORT)
    def on_open_report(ack: Any, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        ack()
        click = read_click(body)
        if click.trigger_id is None:  # Slack always sends one with a click; without it no modal can open
            _refuse(click, respond, UserError(para("報告フォームを開けませんでした。", Command("報告"), " と入力して開いてください。")))
            return
        open_report_form(deps, client, trigger_id=click.trigger_id, user_id=click.user_id)

    @app.action(re.compile(".*"))
    def on_unknown_button(ack: Any, body: dict[str, Any], respond: Any) -> None:
        """A button this version does not draw (an old message, or forged): say so, change nothing."""
        ack()
        click = read_click(body)
        logger.info("unknown action %s", click.action_id[:64])
        _refuse(click, respond, UserError(STALE_BUTTON))  # only App Home's report button has no response_url


# ---------------------------------------------------------------- the report form


def open_report_form(deps: SlackDeps, client: WebClient, *, trigger_id: str, user_id: str | None) -> None:
    """Open the modal (or, for someone who may not report, a view that says why)."""
    try:
        form = report_form(deps.progress, UserRef(PLATFORM, user_id) if user_id else None)
    except UserError as error:
        client.views_open(trigger_id=trigger_id, view=bk.result_view("進捗報告", render.blocks_mrkdwn(error.blocks)))
        return
    client.views_open(trigger_id=trigger_id, view=render.report_form_view(form))


def _slack_errors(errors: FieldErrors) -> dict[str, str]:
    """Field errors as Slack shows them under a field: plain text, at most 300 characters."""
    return {field: bk.truncate(render.blocks_plain(content), 300) for field, content in errors.items()}


def read_report_form(values: dict[str, Any]) -> tuple[ReportDraft | None, dict[str, str]]:
    """The form's state as a draft, or the errors to show next to each field (Slack's `errors`)."""
    draft, errors = validate_report_form(form_values(values))
    return draft, _slack_errors(errors)


def register_views(app: App, deps: SlackDeps) -> None:
    @app.view(bk.REPORT_CALLBACK)
    def on_report_submitted(ack: Any, body: dict[str, Any]) -> None:
        """The form goes through the same core as `/dx 報告 …`; problems are shown on the form's fields."""
        submission = read_submission(body)  # well-formed: bot/slack/payloads.py answered 400 otherwise
        if submission.values is None:
            ack(response_action="update", view=bk.result_view("進捗報告", render.blocks_mrkdwn(blocks(UNREADABLE_FORM))))
            return
        result = submit_report_form(
            deps.progress,
            UserRef(PLATFORM, submission.user_id),
            submission.values,
            request_id=f"slack-view:{submission.view_id}",
            source=PLATFORM,
        )
        if result.outcome is None:
            ack(response_action="errors", errors=_slack_errors(result.errors))
            return
        confirmation = render.blocks_mrkdwn(render_report(result.outcome, deps.progress))
        ack(response_action="update", view=bk.result_view("進捗報告", confirmation))


# ---------------------------------------------------------------- errors


def register_error_handler(app: App, deps: SlackDeps) -> None:
    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], respond: Any, client: WebClient, response: Any
    ) -> Any:
        """Log the traceback; tell the user, in Japanese, that something went wrong (never the internals)."""
        kind = body.get("type") or ("slash_command" if body.get("command") else "unknown")
        logger.error("Slack %s failed: %s", kind, type(error).__name__, exc_info=error)
        # A database outage is not a bug: say plainly that nothing was recorded and to try again later.
        apology = STORAGE_UNAVAILABLE if is_storage_outage(error) else GENERIC_ERROR
        if kind == "view_submission" and response is not None:
            # Not acked yet: the form itself shows the apology.
            return BoltResponse(
                status=200, body={"response_action": "update", "view": bk.error_view(apology)}
            )
        try:
            if respond is not None and (body.get("response_url") or body.get("response_urls")):
                respond(response_type="ephemeral", replace_original=False, text=apology)
                return None
            if kind == "block_actions" and body.get("trigger_id"):  # a button in App Home or a modal
                client.views_open(trigger_id=body["trigger_id"], view=bk.error_view(apology))
                return None
            event = body.get("event") or {}
            if event.get("channel") and event.get("type") in ("app_mention", "message"):
                client.chat_postMessage(
                    channel=event["channel"],
                    thread_ts=event.get("thread_ts")
                    or (event.get("ts") if event.get("type") == "app_mention" else None),
                    text=apology,
                )
            else:
                logger.info("no conversation to report the error to (%s %s)", kind, event.get("type", ""))
        except Exception:  # the apology itself failed (Slack away?): the original error is already logged
            logger.warning("could not tell the user about the error", exc_info=True)
        return None
