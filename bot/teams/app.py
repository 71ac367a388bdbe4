"""The Teams agent: an Agents SDK `AgentApplication` whose routes call the same core as the console and Slack.

Routes are thin: they turn the activity into the core's identity and context (a Teams user is their
`from.aadObjectId`), call the synchronous core through `asyncio.to_thread`, and render the neutral reply
(bot/teams/render.py). Card clicks are `Action.Execute` invokes answered with a card that replaces the
clicked one; the `Action.Submit` fallback of older clients arrives as a message with a `value` and takes
the same path. A redelivered activity (same id) is handled once, across processes. Errors reach one
handler that logs the traceback and apologises in Japanese, never with the exception text (the SDK's
default handler would send "Exception caught : …" to the user).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    InvokeResponse,
    TextFormatTypes,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    RouteRank,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.app.proactive import ProactiveOptions
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.buttons import STALE_BUTTON, read_button_value
from bot.console import GENERIC_ERROR
from bot.errors import STORAGE_UNAVAILABLE, UserError, is_storage_outage
from bot.replies import (
    Answer,
    ChatContext,
    Command,
    Mention,
    OpenReportForm,
    Refusal,
    Reply,
    Surface,
    UserRef,
    blocks,
    para,
)
from bot.teams import cards, render
from bot.teams.core import PLATFORM, TeamsCore
from bot.teams.store import THREAD_MARK, ConversationDirectory, channel_of

logger = logging.getLogger(__name__)

_AT_TAG = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{1,200}>")
WELCOME = blocks(
    para("DX推進ボットです。スマートシティ江津推進構想アクションプランについての質問に、出典つきでお答えします。"),
    para("DX推進リーダーの方は、取組みの進捗をここから報告できます（", Command("報告"), "）。"),
    para("使い方は ", Command("ヘルプ"), " で表示します。"),
)


@dataclass
class TeamsAgent:
    """The built agent: the SDK application, its adapter, and where proactive posts are remembered."""

    app: AgentApplication[TurnState]
    adapter: CloudAdapter
    core: TeamsCore
    directory: ConversationDirectory
    auth_config: Any = None  # the SDK's AgentAuthConfiguration, read by its JWT check
    _remembered: set[str] = field(default_factory=set)


# ---------------------------------------------------------------- reading activities


def surface_of(activity: Activity) -> Surface:
    kind = activity.conversation.conversation_type if activity.conversation else None
    return "personal" if kind == "personal" else "channel"


def teams_context(activity: Activity, mentions: tuple[Mention, ...] = ()) -> ChatContext:
    """The core's view of a Teams activity: who (aadObjectId), where (channel and thread), the activity id."""
    sender = activity.from_property
    aad = getattr(sender, "aad_object_id", None) if sender else None
    conversation_id = activity.conversation.id if activity.conversation else ""
    thread = conversation_id.split(THREAD_MARK, 1)[1] if THREAD_MARK in conversation_id else None
    return ChatContext(
        user=UserRef(PLATFORM, aad) if aad else None,
        conversation=channel_of(conversation_id) if conversation_id else None,
        platform=PLATFORM,
        request_id=f"teams:activity:{activity.id}" if activity.id else None,
        thread=thread,
        surface=surface_of(activity),
        mentions=mentions,
    )


def message_text(activity: Activity) -> str:
    """The words a person typed. Teams sends HTML-ish text (the bot's own mention is already removed); a
    mention of someone else stays as `<at>name</at>`, one piece the core can match (`Mention.text`)."""
    text = activity.text or ""
    names: list[str] = []

    def keep(found: re.Match[str]) -> str:
        names.append(_mention_name(found.group(1)))
        return f"\x00{len(names) - 1}\x00"

    text = _AT_TAG.sub(keep, text)
    text = html.unescape(_TAG.sub(" ", text)).replace("\xa0", " ").strip()
    return re.sub(r"\x00(\d+)\x00", lambda m: f"<at>{names[int(m.group(1))]}</at>", text)


def _mention_name(raw: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", raw)).replace("\xa0", " ").split())


async def teams_mentions(context: TurnContext) -> tuple[Mention, ...]:
    """Who the people mentioned in a message are (not the bot), as the core's identities.

    Teams' mention entity names a person by their Teams id (`29:…`); the Azure AD object id that staff are
    registered by is taken from the entity when Teams includes it, else asked of the Bot Connector (the
    conversation's member: no Graph call, and no extra permission). A mention that cannot be resolved is
    left out: the core then sees only its text and says how to write the command."""
    activity = context.activity
    bot_id = activity.recipient.id if activity.recipient else None
    found: list[Mention] = []
    for entity in activity.get_mentions():
        mentioned = entity.mentioned
        if mentioned is None or not mentioned.id or mentioned.id == bot_id or not entity.text:
            continue
        inner = _AT_TAG.fullmatch(entity.text.strip())
        if inner is None:
            continue
        aad = mentioned.aad_object_id or await _member_object_id(context, mentioned.id)
        if not aad:
            logger.info("mention not resolved to an object id; left as text")
            continue
        name = _mention_name(inner.group(1))
        found.append(Mention(f"<at>{name}</at>", UserRef(PLATFORM, aad.lower()), mentioned.name or name or None))
    return tuple(found)


async def _member_object_id(context: TurnContext, member_id: str) -> str | None:
    conversation = context.activity.conversation
    connector = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
    if conversation is None or not conversation.id or connector is None:
        return None
    try:
        # A channel's members are the team's; the thread part (`;messageid=`) is not a conversation of its own.
        member = await connector.conversations.get_conversation_member(channel_of(conversation.id), member_id)
    except Exception as error:  # a person outside this conversation, or the connector refused
        logger.info("conversation member lookup failed (%s)", type(error).__name__)
        return None
    return getattr(member, "aad_object_id", None) or None


# ---------------------------------------------------------------- sending


def message_activity(message: render.TeamsMessage) -> Activity:
    activity = Activity(type=ActivityTypes.message, text=message.text, text_format=TextFormatTypes.markdown)
    if message.card is not None:
        activity.attachments = [Attachment(content_type=render.CARD_CONTENT_TYPE, content=message.card)]
    return activity


async def send_reply(context: TurnContext, reply: Reply) -> None:
    await context.send_activity(message_activity(render.render_reply(reply, surface_of(context.activity))))


def card_response(card: render.Card) -> AdaptiveCardInvokeResponse:
    """The invoke answer that replaces the clicked card with `card`."""
    return AdaptiveCardInvokeResponse(
        status_code=HTTPStatus.OK, type=render.CARD_CONTENT_TYPE, value=card
    )


def message_response(text: str) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(
        status_code=HTTPStatus.OK, type="application/vnd.microsoft.activity.message", value=text
    )


# ---------------------------------------------------------------- the application


def build_agent(
    core: TeamsCore,
    directory: ConversationDirectory,
    adapter: CloudAdapter,
    *,
    app_id: str,
    connection_manager: Any,
) -> TeamsAgent:
    app: AgentApplication[TurnState] = AgentApplication[TurnState](
        ApplicationOptions(
            bot_app_id=app_id,
            # Turn state is not used (dialogue state is the core's); the SDK insists on a storage for it.
            storage=MemoryStorage(),
            start_typing_timer=False,
            proactive=ProactiveOptions(storage=directory.storage),
        ),
        connection_manager=connection_manager,
    )
    agent = TeamsAgent(app=app, adapter=adapter, core=core, directory=directory)
    register_dedupe(agent)
    register_install(agent)
    register_cards(agent)
    register_messages(agent)
    register_errors(agent)
    return agent


async def remember(agent: TeamsAgent, context: TurnContext) -> None:
    """Keep the conversation for proactive posts: once per conversation and process (an upsert)."""
    conversation = context.activity.conversation
    if conversation is None or not conversation.id:
        return
    key = channel_of(conversation.id)
    if key in agent._remembered:
        return
    try:
        await agent.directory.remember(context)
    except Exception:  # a reply must not fail because the reference could not be stored
        logger.warning("conversation reference not stored", exc_info=True)
        return
    agent._remembered.add(key)


def register_dedupe(agent: TeamsAgent) -> None:
    async def handle_once(context: TurnContext, state: TurnState) -> bool:
        activity = context.activity
        if activity.type not in (ActivityTypes.message, ActivityTypes.invoke) or not activity.id:
            return True
        if await asyncio.to_thread(agent.core.first_delivery, activity.id):
            return True
        logger.info("activity %s was handled before; dropping the redelivery", activity.id)
        if activity.type == ActivityTypes.invoke:
            await context.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=int(HTTPStatus.OK)))
            )
        return False

    async def mark_answered(context: TurnContext, state: TurnState) -> bool:
        activity = context.activity
        if activity.type in (ActivityTypes.message, ActivityTypes.invoke) and activity.id:
            await asyncio.to_thread(agent.core.answered, activity.id)
        return True

    agent.app.before_turn(handle_once)
    agent.app.after_turn(mark_answered)


def register_install(agent: TeamsAgent) -> None:
    app = agent.app

    @app.conversation_update("membersAdded")
    async def on_members_added(context: TurnContext, state: TurnState) -> None:
        bot_id = context.activity.recipient.id if context.activity.recipient else None
        added = context.activity.members_added or []
        if not any(member.id == bot_id for member in added):
            return  # someone else joined a team the bot is in: nothing to say
        await remember(agent, context)
        text = render.blocks_markdown(WELCOME, surface_of(context.activity))
        await context.send_activity(message_activity(render.TeamsMessage(text=text)))

    @app.activity(ActivityTypes.installation_update)
    async def on_installation(context: TurnContext, state: TurnState) -> None:
        # The welcome comes with conversationUpdate; here only the reference is kept (or dropped).
        if (context.activity.action or "").startswith("add"):
            await remember(agent, context)


def register_messages(agent: TeamsAgent) -> None:
    app = agent.app

    @app.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        if activity.value is not None and not activity.text:
            await on_card_submit(agent, context)
            return
        ctx = teams_context(activity, await teams_mentions(context))
        if ctx.surface == "channel":
            await remember(agent, context)
        reply = await asyncio.to_thread(agent.core.handle, ctx, message_text(activity))
        if isinstance(reply, OpenReportForm):
            await send_report_form(agent, context, ctx)
            return
        await send_reply(context, reply)


async def send_report_form(agent: TeamsAgent, context: TurnContext, ctx: ChatContext) -> None:
    try:
        form = await asyncio.to_thread(agent.core.report_form, ctx)
    except UserError as error:
        await send_reply(context, _refusal(error))
        return
    card = cards.report_form_card(form, surface=ctx.surface)
    await context.send_activity(message_activity(render.TeamsMessage(text="進捗報告フォーム", card=card)))


def _refusal(error: UserError) -> Reply:
    return Refusal(error.blocks)


# ---------------------------------------------------------------- cards


CardHandler = Callable[[TeamsAgent, TurnContext, dict[str, Any]], Awaitable[render.Card]]


def refusal_card(error: UserError, surface: Surface) -> render.Card:
    """What replaces a card whose click was refused (why, in Japanese; nothing was changed)."""
    return render.card([render.text_block(render.blocks_markdown(error.blocks, surface, card=True), color="Attention")])


async def choice_picked(agent: TeamsAgent, context: TurnContext, data: dict[str, Any]) -> render.Card:
    """A 「もしかして」 button: that entry's answer in place of the choices."""
    ctx = teams_context(context.activity)
    try:
        value = read_button_value(data)
    except UserError as error:
        return refusal_card(error, ctx.surface)
    reply = await asyncio.to_thread(agent.core.choose, ctx, value.entry_id, value.log_id)
    if not isinstance(reply, Answer):
        return render.card([render.text_block(render.reply_markdown(reply, ctx.surface))])
    question = await asyncio.to_thread(agent.core.question_text, value.log_id)
    return render.answer_card(reply, question=question)


async def feedback_given(agent: TeamsAgent, context: TurnContext, data: dict[str, Any]) -> render.Card:
    """役に立った / 違った: stored with the question; the buttons turn into a thank-you."""
    ctx = teams_context(context.activity)
    try:
        value = read_button_value(data)
    except UserError as error:
        return refusal_card(error, ctx.surface)
    # An entry the knowledge base does not hold is refused before anything is stored.
    reply = await asyncio.to_thread(agent.core.entry_answer, ctx, value.entry_id, value.log_id)
    if not isinstance(reply, Answer):
        return render.card([render.text_block(render.reply_markdown(reply, ctx.surface))])
    try:
        verdict = await asyncio.to_thread(agent.core.rate, ctx, data.get("v") == "helpful", value.entry_id, value.log_id)
    except UserError as error:
        return refusal_card(error, ctx.surface)
    question = await asyncio.to_thread(agent.core.question_text, value.log_id)
    return render.answer_card(reply, feedback=verdict, question=question)


async def form_opened(agent: TeamsAgent, context: TurnContext, data: dict[str, Any]) -> render.Card:
    ctx = teams_context(context.activity)
    try:
        form = await asyncio.to_thread(agent.core.report_form, ctx)
    except UserError as error:
        return cards.result_card(render.blocks_markdown(error.blocks, ctx.surface, card=True))
    return cards.report_form_card(form, surface=ctx.surface)


async def form_submitted(agent: TeamsAgent, context: TurnContext, data: dict[str, Any]) -> render.Card:
    """The form goes through the same core as `報告 …`; problems are shown on the card's fields."""
    ctx = teams_context(context.activity)
    try:
        values = cards.form_values(data)
        form = await asyncio.to_thread(agent.core.report_form, ctx)
    except UserError as error:
        return cards.result_card(render.blocks_markdown(error.blocks, ctx.surface, card=True))
    confirmation, errors = await asyncio.to_thread(agent.core.submit_form, ctx, values)
    if confirmation is None:
        return cards.report_form_card(form, values=values, errors=errors, surface=ctx.surface)
    return cards.result_card(render.blocks_markdown(confirmation, ctx.surface, card=True))


CARD_HANDLERS: dict[str, CardHandler] = {
    render.VERB_CHOICE: choice_picked,
    render.VERB_FEEDBACK: feedback_given,
    render.VERB_OPEN_REPORT: form_opened,
    render.VERB_REPORT: form_submitted,
}


def register_cards(agent: TeamsAgent) -> None:
    for verb, handler in CARD_HANDLERS.items():

        async def on_execute(
            context: TurnContext, state: TurnState, data: Any, handler: CardHandler = handler
        ) -> AdaptiveCardInvokeResponse:
            return card_response(await handler(agent, context, data if isinstance(data, dict) else {}))

        agent.app.adaptive_card.action_execute(verb)(on_execute)

    async def on_other_invoke(context: TurnContext, state: TurnState) -> None:
        """Any other invoke: a card click whose value or verb is not one we drew (old, or forged), or an invoke
        kind the bot does not offer. Answered with a card saying so, never the SDK's 501."""
        logger.info("invoke %s not handled; answered as a stale button", (context.activity.name or "")[:64])
        await send_invoke_card(context, refusal_card(UserError(STALE_BUTTON), surface_of(context.activity)))

    agent.app.add_route(
        lambda context: context.activity.type == ActivityTypes.invoke, on_other_invoke, is_invoke=True, rank=RouteRank.LAST
    )


async def send_invoke_card(context: TurnContext, card: render.Card) -> None:
    response = card_response(card)
    await context.send_activity(
        Activity(
            type=ActivityTypes.invoke_response,
            value=InvokeResponse(
                status=int(HTTPStatus.OK), body=response.model_dump(mode="json", by_alias=True, exclude_none=True)
            ),
        )
    )


async def on_card_submit(agent: TeamsAgent, context: TurnContext) -> None:
    """`Action.Submit` (a client without 1.5): the same handlers; the resulting card is a new message."""
    value = context.activity.value if isinstance(context.activity.value, dict) else {}
    handler = CARD_HANDLERS.get(str(value.get("verb") or ""))
    if handler is None:
        logger.info("card submit without a known verb; answered as a stale button")
        card = refusal_card(UserError(STALE_BUTTON), surface_of(context.activity))
    else:
        card = await handler(agent, context, value)
    await context.send_activity(message_activity(render.TeamsMessage(text=render.summary("dxbot"), card=card)))


# ---------------------------------------------------------------- errors


def register_errors(agent: TeamsAgent) -> None:
    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        """Log the traceback; tell the user, in Japanese, that something went wrong (never the internals)."""
        activity = context.activity
        logger.error("Teams %s failed: %s", activity.type if activity else "turn", type(error).__name__, exc_info=error)
        apology = STORAGE_UNAVAILABLE if is_storage_outage(error) else GENERIC_ERROR
        try:
            if activity is not None and activity.type == ActivityTypes.invoke:
                await send_invoke_card(context, render.card([render.text_block(apology, color="Attention")]))
            elif activity is not None and activity.type == ActivityTypes.message:
                await context.send_activity(message_activity(render.TeamsMessage(text=apology)))
        except Exception:  # the apology itself failed (connector away?): the original error is logged
            logger.warning("could not tell the user about the error", exc_info=True)
        if activity is not None and activity.id and activity.type in (ActivityTypes.message, ActivityTypes.invoke):
            await asyncio.to_thread(agent.core.failed, activity.id)  # its lease stops being renewed

    agent.app.error(on_turn_error)
    agent.adapter.on_turn_error = on_turn_error
