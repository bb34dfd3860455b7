"""``scarbot`` command line: ingest, ask, chat, serve, eval, feedback."""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path

import click

from scarbot.errors import ScarbotError

# errors of a folder or file the command needed, not of scarbot itself: one line, never a traceback
_FS_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR, errno.EISDIR,
              errno.EEXIST}


def _settings(**overrides):
    from scarbot.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _fail(err: Exception) -> None:
    raise click.ClickException(str(err)) from err


class _Main(click.Group):
    """Every command's ``ScarbotError`` (invalid settings included) and file-system refusal ends as one
    line on stderr and exit status 1, whichever command raised it."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ScarbotError as err:
            raise click.ClickException(str(err)) from err
        except OSError as err:
            if err.errno not in _FS_ERRNOS:
                raise
            where = f" {err.filename}" if err.filename else ""
            raise click.ClickException(f"cannot use{where}: {err.strerror}; check that the folder exists and is "
                                       "writable, or set SCARBOT_DATA_DIR to one that is") from err


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scarbot")
def main() -> None:
    """scarbot: cited answers about atrophic scar treatment in Korea, from one article."""


@main.command()
@click.option("--rebuild", is_flag=True, help="Start over: re-embed every chunk into a fresh collection.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(rebuild: bool, quiet: bool) -> None:
    """Chunk and embed corpus/*.md into the index (only what changed)."""
    from scarbot.ingest import ingest as run

    try:
        report = run(_settings(), rebuild=rebuild, progress=not quiet and sys.stderr.isatty())
    except ScarbotError as err:
        _fail(err)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.summary())


def _load_history(path: str | None) -> list[dict] | None:
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise click.ClickException(f"cannot read history file {path}: {err}") from err
    if not isinstance(data, list) or not all(isinstance(t, dict) and "role" in t and "content" in t for t in data):
        raise click.ClickException(f"{path}: history must be a JSON list of {{\"role\", \"content\"}} objects")
    return data


# Exit codes of `scarbot ask`: 0 answered, 1 error (no index, bad input), 2 usage, 3 the article does
# not cover the question (the reply says so and states no figures).
EXIT_ABSTAINED = 3


def _print_sources(ans) -> None:
    """The cited sources, table rows labelled with their column headers (verbatim quotes: --json)."""
    if not ans.citations:
        return
    from scarbot.display import strategy_label

    how = strategy_label(ans.strategy)
    click.echo(f"\nSources{f' (answered from {how})' if how else ''}:")
    for c in ans.citations:
        quote = c.quote_display or c.quote
        quote = quote if len(quote) <= 300 else quote[:297] + "…"
        click.echo(f"  [{c.n}] {c.section}\n      “{quote}”")


@main.command()
@click.argument("question")
@click.option("--history", "history_file", type=click.Path(dir_okay=False), help="JSON list of earlier turns.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (answer, citations, contexts, ...).")
@click.option("--plain", is_flag=True,
              help="Print only the answer, without [n] markers or sources: ready to paste into an email.")
@click.option("--k", type=click.IntRange(1, 20), default=None, help="How many chunks to retrieve.")
def ask(question: str, history_file: str | None, as_json: bool, plain: bool, k: int | None) -> None:
    """Answer one QUESTION with citations.

    Exit status: 0 answered, 1 error, 2 usage error, 3 the article does not cover the question
    (the reply says so; with --json, "abstained" is true).
    """
    from scarbot.assistant import Assistant

    if as_json and plain:
        raise click.UsageError("--json and --plain are alternatives: choose one.")
    history = _load_history(history_file)
    try:
        ans = Assistant.from_settings(_settings()).ask(question, history=history, k=k)
    except ScarbotError as err:
        _fail(err)
    if as_json:
        click.echo(json.dumps(ans.to_dict(), ensure_ascii=False, indent=1))
    elif plain:
        from scarbot.display import strip_markers

        click.echo(strip_markers(ans.text))
    else:
        click.echo(ans.text)
        _print_sources(ans)
    if ans.abstained:
        sys.exit(EXIT_ABSTAINED)


@main.command()
@click.option("--sources/--no-sources", default=False, help="Show the quoted sources after each answer.")
def chat(sources: bool) -> None:
    """A conversation in the terminal (follow-up questions keep their context). Type /sources, /reset, /quit."""
    from scarbot.assistant import Assistant

    bot = Assistant.from_settings(_settings())
    try:
        bot.load()
    except ScarbotError as err:
        _fail(err)
    history: list[dict] = []
    last = None
    click.echo("Ask about atrophic scar treatment in Korea (information from one article, not medical advice).")
    click.echo("Commands: /sources shows the last answer's sources, /reset forgets the conversation, /quit.")
    while True:
        try:
            q = click.prompt("you", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            break
        cmd = q.strip().lower()
        if cmd in ("/quit", "/exit", "quit", "exit"):
            break
        if cmd == "/reset":
            history, last = [], None
            click.echo("(conversation cleared)")
            continue
        if cmd == "/sources":
            if last is not None and last.citations:
                _print_sources(last)
            else:
                click.echo("(no sources)")
            continue
        if not cmd:
            continue
        try:
            last = bot.ask(q, history=history)
        except ScarbotError as err:
            click.echo(f"! {err}")
            continue
        click.echo(f"scarbot> {last.text}")
        if last.standalone_question and last.standalone_question != q.strip():
            click.echo(f"  (understood as: {last.standalone_question})")
        if sources:
            _print_sources(last)
        history += [{"role": "user", "content": q}, {"role": "assistant", "content": last.text}]


@main.command()
@click.option("--host", default=None, help="Default 127.0.0.1 (SCARBOT_HOST).")
@click.option("--port", type=int, default=None, help="Default 7860 (SCARBOT_PORT or GRADIO_SERVER_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Start the Gradio chat UI (builds the index first if there is none)."""
    from scarbot.environment import bypass_proxy_for_loopback

    bypass_proxy_for_loopback(host)  # before Gradio or httpx read the environment
    from scarbot.ui import launch

    try:
        launch(_settings(), host=host, port=port)
    except ScarbotError as err:
        _fail(err)


def _register() -> None:
    try:
        from scarbot.evaluation.cli import eval_cmd

        main.add_command(eval_cmd, "eval")
    except ImportError:  # pragma: no cover - optional while developing
        pass
    try:
        from scarbot.feedback import feedback_cmd

        main.add_command(feedback_cmd, "feedback")
    except ImportError:  # pragma: no cover
        pass


_register()
