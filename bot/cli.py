"""The `dxbot` command line (SPEC.md, CLI)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.failures import expected_failure_message
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.bootstrap import Bot
    from bot.web.server import FrontLimits

logger = logging.getLogger("dxbot")


def _surface(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Whose screen the logs would land on (bot/logs.py): a person's console, a server's log, or a command's."""
    from bot.logs import Surface

    if args.command in ("chat", "ask"):
        return Surface.CONSOLE
    if args.command == "serve":
        return Surface.SERVER
    if args.command == "run":
        platforms = ("SLACK_BOT_TOKEN", "TEAMS_APP_ID")
        return Surface.SERVER if any(os.environ.get(name, "").strip() for name in platforms) else Surface.CONSOLE
    return Surface.COMMAND


def _fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


# ------------------------------------------------------------------ ask


def _ask_payload(engine, kb, question: str, top: int) -> dict:  # type: ignore[no-untyped-def]
    """SPEC's `ask --json` object; `note` is added (only when there is one) for a question whose topic the
    knowledge base covers but not what is asked (「計画には担当者の名前は書かれていません。…」): status stays
    no_answer, so a reader of the SPEC's fields sees exactly what it did before."""
    result = engine.match(question, top=top)
    answered = result.entry is not None
    payload = {
        "question": question,
        "status": result.status,
        "answer": result.entry.answer if answered else None,
        "entry_id": result.entry.id if answered else None,
        "score": result.score,
        "source": kb.source_label(result.entry) if answered else None,
        "candidates": [{"entry_id": c.entry_id, "question": c.question, "score": c.score} for c in result.candidates],
    }
    if result.note and not answered:
        payload["note"] = result.note
    return payload


def _ask_text(payload: dict, contact: str | None) -> str:
    if payload["status"] == "answered":
        source = f"\n（出典: {payload['source']}）" if payload["source"] else ""
        return f"{payload['answer']}{source}"
    if payload["status"] == "ambiguous":
        choices = " / ".join(f"{i}. {c['question']}" for i, c in enumerate(payload["candidates"], 1))
        return f"もしかして: {choices}"
    if payload.get("note"):
        return f"{payload['note']}\n{contact or '担当の部署'}にお問い合わせください。"
    return f"該当する回答が見つかりませんでした。{contact or '担当の部署'}にお問い合わせください。"


def cmd_ask(args: argparse.Namespace) -> int:
    from knowledge.engine import FaqEngine
    from knowledge.kb import load_kb

    settings = Settings.from_env()
    kb_path = Path(args.kb) if args.kb else settings.kb_path
    kb = load_kb(kb_path)  # an unreadable knowledge base is an expected failure: one line from main()
    engine = FaqEngine(kb, cache_dir=settings.index_cache_dir)
    questions: Iterator[str]
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
            text = _ask_text(payload, kb.contact)
            print(text.replace("\n", " ") if args.batch else text, flush=args.batch)
    return 0


# ------------------------------------------------------------------ kb check


def cmd_kb_check(args: argparse.Namespace) -> int:
    from knowledge.check import check_kb

    # Without a path, the knowledge base the bot would load: DXBOT_KB_PATH, else the bundled one.
    path = Path(args.path) if args.path else Settings.from_env().kb_path
    problems, summary = check_kb(path)
    errors = [p for p in problems if not p.note]
    for problem in errors:
        print(problem)
    for note in (p for p in problems if p.note):
        print(f"{note}（メモ）", file=sys.stderr)
    if errors:
        print(f"{len(errors)} 件の問題があります。", file=sys.stderr)
        return 1
    print(summary, file=sys.stderr)
    return 0


# ------------------------------------------------------------------ chat / run


def _bootstrap(settings: Settings) -> Bot:
    """The one composition root (bot/bootstrap.py); imported here, not at the top, so `dxbot --help` stays fast."""
    from bot.bootstrap import bootstrap

    return bootstrap(settings)


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.console import run_console

    bot = _bootstrap(Settings.from_env())
    try:
        run_console(bot, args.user or os.environ.get("USER") or "console", sys.stdin, sys.stdout, sys.stdin.isatty())
    finally:
        bot.close()
    return 0


def _front_limits(args: argparse.Namespace) -> FrontLimits:
    from bot.web.server import FrontLimits

    return FrontLimits(header_timeout=args.header_timeout, max_connections=args.max_connections)


def _serve_slack(
    settings: Settings,
    *,
    socket_mode: bool,
    host: str,
    port: int,
    with_scheduler: bool = False,
    limits: FrontLimits | None = None,
) -> int:
    """Slack in Socket Mode, or over HTTP. Credentials are checked by name only, never printed.

    `with_scheduler` (`dxbot run`): the weekly digest and reminders run beside it (bot/scheduling.py)."""
    missing = ["SLACK_BOT_TOKEN"] if not settings.slack_bot_token else []
    if not socket_mode and not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET")
    if missing:
        return _fail(f"Slack に接続するには環境変数 {'、'.join(missing)} を設定してください（README の「Slack への接続」）。", 2)
    bot = _bootstrap(settings)
    from bot.slack.app import SlackSetupError, SlackUnreachable, build_slack_app

    try:
        app = build_slack_app(bot)
    except SlackUnreachable as error:
        bot.close()
        return _fail(
            f"Slack に接続できませんでした（{error}）。ネットワーク、プロキシ、SLACK_API_URL を確認してください。"
        )
    except SlackSetupError as error:  # e.g. auth.test refused the token; the message names no secret
        bot.close()
        return _fail(f"Slack に接続できませんでした（{error}）。SLACK_BOT_TOKEN を確認してください。")
    from bot.scheduling import slack_notifier, start_scheduler, stop_scheduler

    scheduler = start_scheduler(bot, slack_notifier(settings)) if with_scheduler else None
    from bot.reload_signal import install_sighup_reload

    restore_sighup = install_sighup_reload(bot.knowledge.reload)  # after `dxbot kb apply`: kill -HUP <pid>
    try:
        if socket_mode:
            from bot.slack.socket import run_socket_mode

            assert settings.slack_app_token is not None
            run_socket_mode(app, settings.slack_app_token)
        else:
            from bot.slack.http import serve_http
            from storage.db import create_db_engine, database_reachable

            # Its own one-connection pool: a busy main pool must not read as "database down".
            health_db = create_db_engine(
                settings.database_url, pool_size=1, max_overflow=0, pool_timeout=1, busy_timeout=1, connect_timeout=2
            )
            try:
                # 503 until the start-up work is done (the database was down at start) or while it is away.
                healthy = lambda: bot.database_started() and database_reachable(health_db)  # noqa: E731
                serve_http(app, host, port, health_check=healthy, limits=limits)
            finally:
                health_db.dispose()
    finally:
        restore_sighup()
        stop_scheduler(scheduler)
        bot.close()
    return 0


def _serve_teams(
    settings: Settings, *, host: str, port: int, with_scheduler: bool = False, limits: FrontLimits | None = None
) -> int:
    """Teams over HTTP (`POST /api/messages`, `GET /healthz`); with `with_scheduler` the digest and reminders too."""
    from bot.teams.server import TeamsSetupError, serve_teams

    if not settings.teams_app_id:
        return _fail("Teams に接続するには環境変数 TEAMS_APP_ID を設定してください（README の「Teams への接続」）。", 2)
    bot = _bootstrap(settings)
    try:
        from bot.teams.run import front_for, jobs_notifier

        agent, front = front_for(bot, limits)
    except TeamsSetupError as error:
        bot.close()
        return _fail(f"Teams の設定が足りません: {error}", 2)
    if settings.teams_allow_anonymous:
        print("注意: TEAMS_ALLOW_ANONYMOUS=1 のため、トークンのない要求も受け付けます（ローカルのテスト専用です）。", file=sys.stderr)
    from bot.reload_signal import install_sighup_reload
    from bot.scheduling import start_scheduler, stop_scheduler

    scheduler = start_scheduler(bot, jobs_notifier(agent)) if with_scheduler else None
    restore_sighup = install_sighup_reload(bot.knowledge.reload)  # after `dxbot kb apply`: kill -HUP <pid>
    try:
        serve_teams(front, host, port)
    finally:
        restore_sighup()
        stop_scheduler(scheduler)
        bot.close()
    return 0


def _serve_both(settings: Settings, args: argparse.Namespace) -> int:
    """`dxbot run` with Slack and Teams credentials: Teams on --teams-port in a thread, Slack as usual.

    The digest and reminders go to the platform of DXBOT_DIGEST_CHANNEL (a `19:…@thread.tacv2` id is Teams)."""
    from bot.teams.run import digest_goes_to_teams, front_for
    from bot.teams.server import TeamsSetupError, start_teams_in_thread

    if not digest_goes_to_teams(settings):
        bot = _bootstrap(settings)
        try:
            _agent, front = front_for(bot)
        except TeamsSetupError as error:
            bot.close()
            return _fail(f"Teams の設定が足りません: {error}", 2)
        server = start_teams_in_thread(front, args.host, args.teams_port)
        logger.info("Teams endpoint on %s/api/messages beside Slack", server.url)
        try:
            return _serve_slack(settings, socket_mode=bool(settings.slack_app_token), host=args.host, port=args.port, with_scheduler=True)
        finally:
            server.stop()
            bot.close()
    # The digest goes to Teams: Teams serves in the foreground with the scheduler, Slack in a thread.
    import threading

    slack = threading.Thread(
        target=_serve_slack,
        kwargs={"settings": settings, "socket_mode": bool(settings.slack_app_token), "host": args.host, "port": args.port},
        name="dxbot-slack",
        daemon=True,
    )
    slack.start()
    return _serve_teams(settings, host=args.host, port=args.teams_port, with_scheduler=True)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.platform == "teams":
        return _serve_teams(
            settings, host=args.host, port=3978 if args.port is None else args.port, limits=_front_limits(args)
        )
    port = 3000 if args.port is None else args.port  # 0 picks a free port
    return _serve_slack(settings, socket_mode=False, host=args.host, port=port, limits=_front_limits(args))


def cmd_teams_manifest(args: argparse.Namespace) -> int:
    from bot.teams.manifest import ManifestError, build_package

    settings = Settings.from_env()
    try:
        out = build_package(settings.teams_app_id or "", Path(args.out))
    except ManifestError as error:
        return _fail(str(error), 2)
    except OSError as error:
        return _fail(f"{args.out} に書き込めませんでした（{error.strerror or type(error).__name__}）。")
    print(f"Teams アプリのパッケージを {out} に作りました（manifest.json、color.png、outline.png）。")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.teams_configured and settings.slack_configured:
        logger.info("Slack and Teams credentials set: serving both")
        return _serve_both(settings, args)
    if settings.teams_configured:
        logger.info("TEAMS_APP_ID set: serving Teams over HTTP")
        return _serve_teams(settings, host=args.host, port=args.teams_port, with_scheduler=True)
    if settings.slack_configured:
        # Socket Mode is the default deployment: most city halls cannot expose an HTTP endpoint.
        socket_mode = bool(settings.slack_app_token)
        logger.info("Slack credentials set: serving Slack over %s", "Socket Mode" if socket_mode else "HTTP")
        return _serve_slack(
            settings,
            socket_mode=socket_mode,
            host=args.host,
            port=args.port,
            with_scheduler=True,
            limits=_front_limits(args),
        )
    logger.info("no Slack credentials set: starting the console chat (weekly digest and reminders are disabled)")
    args.user = None
    return cmd_chat(args)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage.db import create_db_engine
    from storage.schema import upgrade_schema

    engine = create_db_engine(Settings.from_env().database_url)
    try:
        result = upgrade_schema(engine)
    finally:
        engine.dispose()
    if result.changed:
        print(f"データベースを最新の状態にしました（revision {result.before or 'なし'} → {result.after}）。")
    else:
        print(f"データベースはすでに最新です（revision {result.after}）。")
    return 0


def _date_option(text: str):  # type: ignore[no-untyped-def]
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日付は 2025-12-01 のように指定してください（「{text}」は読めません）") from None


def cmd_db_purge(args: argparse.Namespace) -> int:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.clock import utc_now
    from jobs.retention import retention_cutoff
    from storage.db import create_db_engine, create_session_factory
    from storage.retention import RetentionRepository
    from storage.schema import prepare_schema

    settings = Settings.from_env()
    tz = ZoneInfo(settings.tz)
    if args.before is not None:
        before = datetime.combine(args.before, datetime.min.time(), tzinfo=tz)
    else:
        before = retention_cutoff(utc_now(), settings.question_log_days).astimezone(tz)
    engine = create_db_engine(settings.database_url)
    try:
        prepare_schema(engine, auto_migrate=settings.auto_migrate)
        purged = RetentionRepository(create_session_factory(engine)).purge_before(before)
    finally:
        engine.dispose()
    print(
        f"{before:%Y-%m-%d %H:%M}（{tz.key}）より前の質問ログ {purged.questions} 件と"
        f"回答への評価 {purged.feedback} 件を削除しました。"
    )
    return 0


# ------------------------------------------------------------------ users import / export


def cmd_users_import(args: argparse.Namespace) -> int:
    from bot.clock import utc_now
    from bot.directory import DirectoryError, describe_import, import_directory
    from storage.db import create_db_engine, create_session_factory
    from storage.progress import StaffRepository
    from storage.schema import prepare_schema

    path = Path(args.file)
    if not path.is_file():
        return _fail(f"ファイルが見つかりません: {path}")
    settings = Settings.from_env()
    engine = create_db_engine(settings.database_url)
    try:
        prepare_schema(engine, auto_migrate=settings.auto_migrate)
        result = import_directory(path, StaffRepository(create_session_factory(engine)), utc_now())
    except DirectoryError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return _fail(f"{len(error.problems)} 件の問題があるため、何も読み込んでいません。")
    finally:
        engine.dispose()
    print(describe_import(result))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.export import export_progress

    bot = _bootstrap(Settings.from_env())
    try:
        written = export_progress(bot.progress, args.format, Path(args.out))
    except OSError as error:
        return _fail(f"書き出せませんでした: {error}")
    finally:
        bot.close()
    print("出力しました: " + "、".join(str(p) for p in written))
    return 0


# ------------------------------------------------------------------ digest


def _week_option(text: str):  # type: ignore[no-untyped-def]
    from jobs.weeks import InvalidWeek, IsoWeek

    try:
        return IsoWeek.parse(text)
    except InvalidWeek:
        raise argparse.ArgumentTypeError(f"週は 2026-W48 のように ISO 週で指定してください（「{text}」は読めません）") from None


def cmd_digest_preview(args: argparse.Namespace) -> int:
    from bot.teams.digest import is_teams_channel
    from jobs.digest import build_digest
    from jobs.digest_layout import render_text
    from jobs.weeks import previous_week

    settings = Settings.from_env()
    if is_teams_channel(settings.digest_channel):  # commands as the digest's readers will type them
        from bot.teams.render import command_text as teams_command

        command = lambda words: teams_command(words, "channel")  # noqa: E731
    else:
        from bot.slack.render import command_text as command
    bot = _bootstrap(settings)
    try:
        now = bot.clock()
        week = args.week or previous_week(now, bot.tz)
        print(render_text(build_digest(bot.digest_repos(), week, now, bot.tz), command), end="")
    finally:
        bot.close()
    return 0


def cmd_digest_post(args: argparse.Namespace) -> int:
    from bot.scheduling import digest_job, slack_notifier
    from bot.teams.digest import is_teams_channel
    from jobs.delivery import digest_with_chart, post_digest
    from jobs.weeks import previous_week

    settings = Settings.from_env()
    to_teams = is_teams_channel(settings.digest_channel)  # a Teams channel id: 19:…@thread.tacv2
    token = ("TEAMS_APP_ID", settings.teams_app_id) if to_teams else ("SLACK_BOT_TOKEN", settings.slack_bot_token)
    missing = [name for name, value in (token, ("DXBOT_DIGEST_CHANNEL", settings.digest_channel)) if not value]
    if missing:
        return _fail(f"ダイジェストを投稿するには環境変数 {'、'.join(missing)} を設定してください。", 2)
    bot = _bootstrap(settings)
    try:
        if to_teams:
            from bot.teams.run import jobs_notifier
            from bot.teams.server import TeamsSetupError, build_teams_agent

            try:
                agent = build_teams_agent(bot)
            except TeamsSetupError as error:
                return _fail(f"Teams の設定が足りません: {error}", 2)
            job = digest_job(bot, jobs_notifier(agent))
        else:
            job = digest_job(bot, slack_notifier(settings))
        assert job is not None
        now = bot.clock()
        week = args.week or previous_week(now, bot.tz)
        digest, chart = digest_with_chart(job, week, now)
        outcome = post_digest(
            digest, job.notifier, job.ledger, now, channel=job.channel, chart=chart, force=args.force, retry=job.retry
        )
    finally:
        bot.close()
    if outcome.outcome == "posted":
        print(f"{week} のダイジェストを {job.channel} に投稿しました。")
        return 0
    if outcome.outcome == "already_posted":
        print(f"{week} のダイジェストは {job.channel} に投稿済みです。もう一度投稿するときは --force を付けてください。")
        return 0
    if outcome.outcome == "in_progress":
        return _fail(f"{week} のダイジェストは別のプロセスが投稿しているところです。しばらくしてから確かめてください。")
    return _fail(f"{week} のダイジェストを投稿できませんでした（{outcome.error}）。後でもう一度実行すると続きから投稿します。")


def _not_yet(args: argparse.Namespace) -> int:
    return _fail(f"`dxbot {args.command}` はまだ実装されていません。", 2)


# ------------------------------------------------------------------ parser


def _positive(value: str) -> float:
    number = float(value)
    if not 0 < number <= 3600:
        raise argparse.ArgumentTypeError("0 より大きく 3600 以下の数で指定してください")
    return number


def _front_arguments(p: argparse.ArgumentParser) -> None:
    """The HTTP front's limits (bot/web/server.py); the defaults suit a reverse proxy on the same host."""
    p.add_argument(
        "--max-connections", type=int, default=512, help="同時に開いておける接続数の上限（既定 512、超えた分は 503）"
    )
    p.add_argument(
        "--header-timeout", type=_positive, default=10.0, help="要求ヘッダーを受け取り終えるまでの秒数（既定 10）"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dxbot", description="江津市 スマートシティ推進 DX ボット")
    verbose_help = "ログ（INFO 以上）も標準エラー出力に表示する（DXBOT_LOG_LEVEL が優先）"
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    # Also after the conversation and server commands (`dxbot chat --verbose`); SUPPRESS keeps the top-level value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=verbose_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", parents=[common], help="メインジョブ（Teams・Slack の資格情報があればそれを、なければコンソール）")
    p.add_argument("--host", default="127.0.0.1", help="HTTP で受けるときのアドレス（既定 127.0.0.1、SLACK_APP_TOKEN がないとき）")
    p.add_argument("--port", type=int, default=3000, help="HTTP で受けるときのポート（既定 3000）")
    p.add_argument("--teams-port", type=int, default=3978, help="Teams を受けるポート（既定 3978、TEAMS_APP_ID があるとき）")
    _front_arguments(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("chat", parents=[common], help="コンソールでチャット（標準入力を1行ずつ）")
    p.add_argument("--user", help="ユーザー ID（ディレクトリの id）")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", parents=[common], help="Slack（POST /slack/events）か Teams（POST /api/messages）を HTTP で受ける")
    p.add_argument("--platform", choices=["slack", "teams"], default="slack", help="受けるチャット（既定 slack）")
    p.add_argument("--port", type=int, default=None, help="ポート（既定 Slack 3000、Teams 3978）")
    p.add_argument(
        "--host", default="127.0.0.1", help="受けるアドレス（既定 127.0.0.1: リバースプロキシの後ろで。外から直接受けるなら 0.0.0.0）"
    )
    _front_arguments(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("ask", parents=[common], help="質問に1回答える")
    p.add_argument("question", nargs="?")
    p.add_argument("--batch", action="store_true", help="標準入力の1行を1問として答える")
    p.add_argument("--json", action="store_true", help="JSON で出力")
    p.add_argument("--top", type=int, default=3, help="候補の数（既定 3）")
    p.add_argument("--kb", help="知識ベース（YAML ディレクトリ、または id,question,answer か 番号,質問,回答 の CSV・xlsx）")
    p.set_defaults(func=cmd_ask)

    kb = sub.add_parser("kb", help="知識ベース")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="SUBCOMMAND", required=True)
    p = kb_sub.add_parser("check", help="知識ベースを検証する")
    p.add_argument("path", nargs="?")
    p.set_defaults(func=cmd_kb_check)
    from bot.curation_cli import add_curation_commands

    add_curation_commands(kb_sub)

    db = sub.add_parser("db", help="データベース")
    db_sub = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    p = db_sub.add_parser("upgrade", help="マイグレーションを適用する")
    p.set_defaults(func=cmd_db_upgrade)
    p = db_sub.add_parser(
        "purge",
        help="古い質問ログと回答への評価（個人データ）を削除する",
        description="既定では DXBOT_QUESTION_LOG_DAYS（既定 365）日より前のものを削除する。毎日 03:30 にも自動で実行される。",
    )
    p.add_argument("--before", type=_date_option, metavar="DATE", help="この日（DXBOT_TZ の 0 時）より前を削除（例: 2025-12-01）")
    p.set_defaults(func=cmd_db_purge)

    digest = sub.add_parser("digest", help="週次ダイジェスト（推進本部向け、DX チャンネル）")
    digest_sub = digest.add_subparsers(dest="digest_command", metavar="SUBCOMMAND", required=True)
    week_help = "対象の週（ISO 週、例: 2026-W48）。既定は DXBOT_TZ での先週（月〜日）"
    p = digest_sub.add_parser("preview", help="ダイジェストをテキストで表示する（投稿しない）")
    p.add_argument("--week", type=_week_option, help=week_help)
    p.set_defaults(func=cmd_digest_preview)
    p = digest_sub.add_parser("post", help="ダイジェストを DXBOT_DIGEST_CHANNEL に投稿する（週・チャンネルごとに1回）")
    p.add_argument("--week", type=_week_option, help=week_help)
    p.add_argument("--force", action="store_true", help="投稿済みでも、もう一度投稿する")
    p.set_defaults(func=cmd_digest_post)

    teams = sub.add_parser("teams", help="Microsoft Teams")
    teams_sub = teams.add_subparsers(dest="teams_command", metavar="SUBCOMMAND", required=True)
    p = teams_sub.add_parser("manifest", parents=[common], help="Teams アプリのパッケージ（manifest.json と2つのアイコンの zip）を作る")
    p.add_argument("--out", default="dxbot-teams.zip", metavar="FILE", help="出力する zip（既定 dxbot-teams.zip）")
    p.set_defaults(func=cmd_teams_manifest)

    users = sub.add_parser("users", help="職員名簿")
    users_sub = users.add_subparsers(dest="users_command", metavar="SUBCOMMAND", required=True)
    p = users_sub.add_parser("import", help="職員名簿（YAML）を読み込む（問題が1つでもあれば何も読み込まない）")
    p.add_argument("file", metavar="FILE.yaml", help="departments と users を書いた YAML")
    p.set_defaults(func=cmd_users_import)

    p = sub.add_parser(
        "export",
        help="取組みの最新状況と報告履歴を出力する（会議資料用）",
        description="xlsx は「状況一覧」「報告履歴」の2シート。csv は FILE に状況一覧、"
        "FILE の拡張子の前に -history を付けたファイル（例: progress-history.csv）に報告履歴を、"
        "BOM 付き UTF-8 で書く。日時は DXBOT_TZ（既定 Asia/Tokyo）。",
    )
    p.add_argument("--format", choices=["xlsx", "csv"], required=True, help="出力形式")
    p.add_argument("--out", required=True, metavar="FILE", help="出力ファイル")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logs import configure_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    configure_logging(_surface(args), verbose=args.verbose)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        # Not Settings.from_env(): the failure may be a setting that it refuses.
        message = expected_failure_message(error, os.environ.get("DXBOT_DATABASE_URL", ""))
        if message is None:
            raise
        return _fail(message)


if __name__ == "__main__":
    sys.exit(main())
