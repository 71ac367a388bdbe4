"""The `dxbot` command line (SPEC.md, CLI)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings

logger = logging.getLogger("dxbot")


def _configure_logging() -> None:
    level = os.environ.get("DXBOT_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


# ------------------------------------------------------------------ ask


def _ask_payload(engine, kb, question: str, top: int) -> dict:  # type: ignore[no-untyped-def]
    result = engine.match(question, top=top)
    answered = result.entry is not None
    return {
        "question": question,
        "status": result.status,
        "answer": result.entry.answer if answered else None,
        "entry_id": result.entry.id if answered else None,
        "score": result.score,
        "source": kb.source_label(result.entry) if answered else None,
        "candidates": [{"entry_id": c.entry_id, "question": c.question, "score": c.score} for c in result.candidates],
    }


def _ask_text(payload: dict) -> str:
    if payload["status"] == "answered":
        source = f"\n（出典: {payload['source']}）" if payload["source"] else ""
        return f"{payload['answer']}{source}"
    if payload["status"] == "ambiguous":
        choices = " / ".join(f"{i}. {c['question']}" for i, c in enumerate(payload["candidates"], 1))
        return f"もしかして: {choices}"
    return "該当する回答が見つかりませんでした。事務局（政策企画課）にお問い合わせください。"


def cmd_ask(args: argparse.Namespace) -> int:
    from knowledge.engine import FaqEngine
    from knowledge.kb import KnowledgeBaseError, load_kb

    kb_path = Path(args.kb) if args.kb else Settings.from_env().kb_path
    try:
        kb = load_kb(kb_path)
    except KnowledgeBaseError as error:
        return _fail(f"知識ベースを読み込めません:\n{error}")
    engine = FaqEngine(kb)
    if args.batch:
        questions = (line.rstrip("\r\n") for line in sys.stdin)
    elif args.question:
        questions = iter([args.question])
    else:
        return _fail("質問を指定してください（例: dxbot ask \"DX推進リーダーは何人？\"）。複数なら --batch で標準入力から。", 2)
    for question in questions:
        payload = _ask_payload(engine, kb, question, args.top)
        if args.json:
            print(json.dumps(payload, ensure_ascii=False), flush=args.batch)
        else:
            text = _ask_text(payload)
            print(text.replace("\n", " ") if args.batch else text, flush=args.batch)
    return 0


# ------------------------------------------------------------------ kb check


def cmd_kb_check(args: argparse.Namespace) -> int:
    from knowledge.check import check_kb

    path = Path(args.path) if args.path else None
    problems, summary = check_kb(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} 件の問題があります。", file=sys.stderr)
        return 1
    print(summary, file=sys.stderr)
    return 0


# ------------------------------------------------------------------ chat / run


def _build_services(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.app import create_app

    return create_app(settings)


def cmd_chat(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    services = _build_services(settings)
    from bot.console import run_console

    run_console(services, args.user or os.environ.get("USER") or "console", sys.stdin, sys.stdout, sys.stdin.isatty())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.slack_configured:
        return _fail("Slack 接続はまだ実装されていません。SLACK_BOT_TOKEN を外すとコンソールで動きます。", 2)
    logger.info("no Slack credentials set: starting the console chat")
    args.user = None
    return cmd_chat(args)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage.db import create_db_engine, current_revision, upgrade_database

    settings = Settings.from_env()
    engine = create_db_engine(settings.database_url)
    upgrade_database(engine)
    print(f"データベースを最新の状態にしました（revision {current_revision(engine)}）。")
    return 0


def _not_yet(args: argparse.Namespace) -> int:
    return _fail(f"`dxbot {args.command}` はまだ実装されていません。", 2)


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dxbot", description="江津市 スマートシティ推進 DX ボット")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="メインジョブ（Slack 資格情報があれば Slack、なければコンソール）")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("chat", help="コンソールでチャット（標準入力を1行ずつ）")
    p.add_argument("--user", help="ユーザー ID（ディレクトリの id）")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="Slack を HTTP で受ける（POST /slack/events, GET /healthz）")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=_not_yet)

    p = sub.add_parser("ask", help="質問に1回答える")
    p.add_argument("question", nargs="?")
    p.add_argument("--batch", action="store_true", help="標準入力の1行を1問として答える")
    p.add_argument("--json", action="store_true", help="JSON で出力")
    p.add_argument("--top", type=int, default=3, help="候補の数（既定 3）")
    p.add_argument("--kb", help="知識ベース（YAML ディレクトリまたは id,question,answer の CSV）")
    p.set_defaults(func=cmd_ask)

    kb = sub.add_parser("kb", help="知識ベース")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="SUBCOMMAND", required=True)
    p = kb_sub.add_parser("check", help="知識ベースを検証する")
    p.add_argument("path", nargs="?")
    p.set_defaults(func=cmd_kb_check)

    db = sub.add_parser("db", help="データベース")
    db_sub = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    p = db_sub.add_parser("upgrade", help="マイグレーションを適用する")
    p.set_defaults(func=cmd_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
