"""The neutral reply model and its renderers: console plain text and Slack mrkdwn."""

from __future__ import annotations

import pytest

from bot import console
from bot.replies import (
    Answer,
    Choice,
    Choices,
    Code,
    Command,
    Link,
    Message,
    NoAnswer,
    OpenReportForm,
    Strong,
    Struck,
    UserText,
    blocks,
    bullets,
    heading,
    para,
    plain_blocks,
    refusal,
)
from bot.slack import render as slack

HOSTILE = [
    "<!channel> 集合",
    "<@U0ADMIN01> さんへ",
    "*太字* _斜体_ ~取消~ `code`",
    "<https://evil.example|ここを押す>",
    "一行目\n二行目\r\n三行目",
    "a & b < c > d",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_is_inert_in_slack(text: str) -> None:
    rendered = slack.blocks_mrkdwn([para("メモ: ", UserText(text))])
    assert "<" not in rendered and ">" not in rendered.replace("&gt;", "")
    assert not any(mark in rendered for mark in "*_~`"), rendered
    assert "\n" not in rendered and "\r" not in rendered


@pytest.mark.parametrize("text", [*HOSTILE, "色\x1b[31m赤\x07"])
def test_user_text_is_one_clean_line_in_the_console(text: str) -> None:
    rendered = console.render_blocks([para("メモ: ", UserText(text))])
    assert "\n" not in rendered and "\x1b" not in rendered and "\x07" not in rendered
    assert rendered.startswith("メモ: ")


def test_our_own_markup_is_slack_markup_in_slack_and_gone_in_the_console() -> None:
    content = blocks(
        heading("見出し"),
        para(Strong("太字"), " と ", Code("KPI:120"), " と ", Link("https://example.jp", "リンク")),
        bullets(["一つ目", [Struck((UserText("取り消した報告"),)), "（取消）"]]),
    )
    assert slack.blocks_mrkdwn(content) == (
        "*見出し*\n*太字* と `KPI:120` と <https://example.jp|リンク>\n• 一つ目\n• ~取り消した報告~（取消）"
    )
    shown = console.render_blocks(content)
    assert shown == "見出し\n太字 と KPI:120 と リンク（https://example.jp）\n• 一つ目\n• 取り消した報告（取消）"


def test_commands_follow_the_platform() -> None:
    content = [para("取り消すときは ", Command("取消"), " 、書き方は ", Command("報告 <取組み> <状況>"))]
    assert slack.blocks_mrkdwn(content) == "取り消すときは `/dx 取消` 、書き方は `/dx 報告 &lt;取組み&gt; &lt;状況&gt;`"
    assert slack.blocks_plain(content) == "取り消すときは /dx 取消 、書き方は /dx 報告 <取組み> <状況>"
    assert console.render_blocks(content) == "取り消すときは「取消」、書き方は「報告 <取組み> <状況>」"
    assert plain_blocks(content) == "取り消すときは 取消 、書き方は 報告 <取組み> <状況>"


EVERY_KIND = [
    Answer("質問 *x*", "答え", "5. 推進体制（第1.5版）", "org-1", 0.9, notices=("注意",)),
    Choices("q", (Choice("a", "選択肢 A", 0.5), Choice("b", "選択肢 B", 0.4))),
    NoAnswer("q", contact="事務局（政策企画課）", scope="アクションプラン"),
    NoAnswer("q"),
    Message(blocks(para(Strong("取組み一覧"), "（28件）"), bullets(["1-02 書かない窓口"]))),
    refusal(para("書き方: ", Command("報告 <取組み> <状況>")), para("例: ", Code("KPI:120"))),
    OpenReportForm(blocks(para(Command("報告 <取組み> <状況> [<n>%] [メモ]")))),
]


@pytest.mark.parametrize("reply", EVERY_KIND)
def test_the_console_shows_no_slack_syntax(reply) -> None:  # type: ignore[no-untyped-def]
    shown = console.render_text(reply)
    assert shown.strip()
    assert "/dx" not in shown and "`" not in shown and "<http" not in shown
    assert "*" not in shown


def test_no_answer_names_the_knowledge_base_contact_or_the_department() -> None:
    plan = console.render_text(NoAnswer("q", contact="事務局（政策企画課）", scope="アクションプラン"))
    assert "アクションプランに記載がない" in plan and "事務局（政策企画課）にお問い合わせください" in plan
    faq = console.render_text(NoAnswer("q"))
    assert "担当の部署にお問い合わせください" in faq and "事務局" not in faq and "アクションプラン" not in faq
    stated = console.render_text(NoAnswer("q", contact="事務局（政策企画課）", statement="計画には担当者の名前は書かれていません。"))
    assert stated.startswith("計画には担当者の名前は書かれていません。")
