"""``scarbot eval``: score the assistant on the QA set, write a report, optionally gate on a baseline.

Registered by the main CLI as ``scarbot eval`` (``cli.add_command(eval_cmd, name="eval")``).
"""

from __future__ import annotations

import inspect
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from scarbot.evaluation.dataset import DatasetError, load_dataset

DEFAULT_DATASET = Path("evals/qa.jsonl")
DEFAULT_BASELINE = Path("evals/baseline.json")
TABLE_COLUMNS = (
    ("n", "n"),
    ("pass_rate", "pass"),
    ("answer_pass_rate", "answer"),
    ("refusal_accuracy", "refusal"),
    ("false_refusals", "false ref."),
    ("wrong_figures", "wrong fig."),
    ("hit_at_1", "hit@1"),
    ("hit_at_k", "hit@k"),
    ("mrr", "MRR"),
    ("ndcg_at_k", "nDCG@k"),
    ("citation_precision", "cit.P"),
    ("citation_recall", "cit.R"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)


def build_assistant(k: int) -> Any:
    """The real assistant, asked to retrieve ``k`` chunks when its factory accepts settings."""
    from scarbot.assistant import Assistant
    from scarbot.ingest import ensure_index
    from scarbot.settings import Settings

    settings = Settings(top_k=k)
    ensure_index(settings)  # a fresh clone has no index yet: build it (progress on the terminal) first
    factory = Assistant.from_settings
    if inspect.signature(factory).parameters:
        return factory(settings).load()  # a broken index or wrong model fails here, once, not per item
    return factory()


def read_corpus_text() -> str:
    """All corpus articles joined: the reference for verbatim-quote checks."""
    from scarbot.settings import Settings

    corpus_dir = Settings().corpus_dir
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(corpus_dir).glob("*.md")))


def _print_table(console: Any, summary: dict[str, Any]) -> None:
    from rich.table import Table

    from scarbot.evaluation.report import fmt

    k = summary["k"]
    table = Table(title=f"scarbot eval (k={k})")
    table.add_column("group", style="bold", no_wrap=True)
    for _, label in TABLE_COLUMNS:
        table.add_column(label.replace("@k", f"@{k}"), justify="right", no_wrap=True)
    groups = [("overall", summary["overall"])] + list(summary["by_category"].items())
    for name, stats in groups:
        table.add_row(name, *(fmt(stats.get(key), key) for key, _ in TABLE_COLUMNS),
                      style="bold" if name == "overall" else None)
    console.print(table)


@click.command("eval")
@click.option("--dataset", "dataset_path", type=click.Path(path_type=Path), default=DEFAULT_DATASET,
              show_default=True, help="QA set in the evals/SCHEMA.md format.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder [default: evals/runs/<UTC timestamp>/].")
@click.option("--k", "k", type=click.IntRange(1, 50), default=4, show_default=True,
              help="Cut-off for hit@k and nDCG@k (and the number of chunks to retrieve).")
@click.option("--category", "categories", multiple=True, help="Only items of this category (repeatable).")
@click.option("--gate", "gate_path", type=click.Path(path_type=Path), default=None,
              help="Baseline JSON; exit 1 when a headline metric falls below baseline minus tolerance.")
@click.option("--update-baseline", is_flag=True, help=f"Write {DEFAULT_BASELINE} from this run (deliberate).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of a table.")
@click.pass_context
def eval_cmd(
    ctx: click.Context,
    dataset_path: Path,
    out_dir: Path | None,
    k: int,
    categories: tuple[str, ...],
    gate_path: Path | None,
    update_baseline: bool,
    as_json: bool,
) -> None:
    """Score answers, retrieval, citations and refusals on the QA set and write a report."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from scarbot.evaluation import gate as gate_mod
    from scarbot.evaluation.report import write_report
    from scarbot.evaluation.runner import run_eval

    err_console = Console(stderr=True)
    out_console = Console()
    if not out_console.is_terminal:  # piped or captured: do not squeeze the table into 80 columns
        out_console = Console(width=200)

    # Everything that can be checked is checked before the (slow) run, and before writing anything.
    try:
        items = load_dataset(dataset_path)
    except DatasetError as exc:
        raise click.ClickException(str(exc)) from exc
    if categories:
        known = sorted({i.category for i in items})
        unknown = [c for c in categories if c not in known]
        if unknown:
            raise click.ClickException(
                f"unknown category {', '.join(unknown)}; the dataset has: {', '.join(known)}")
        items = [i for i in items if i.category in categories]
        if update_baseline:
            raise click.ClickException("--update-baseline needs the whole dataset; drop --category.")
    baseline = None
    if gate_path is not None:
        try:
            baseline = gate_mod.load_baseline(gate_path)
        except gate_mod.BaselineError as exc:
            raise click.ClickException(str(exc)) from exc

    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    assistant = obj.get("assistant")
    if assistant is None:
        from scarbot.errors import ScarbotError

        try:
            assistant = build_assistant(k)
        except ScarbotError as exc:
            raise click.ClickException(str(exc)) from exc
    corpus_text = obj["corpus_text"] if "corpus_text" in obj else read_corpus_text()
    if not corpus_text:
        err_console.print("[yellow]warning:[/] no corpus text found; quote checks for items without "
                          "evidence will fail.")

    started = datetime.now(UTC)
    with Progress(TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err_console, transient=True) as progress:
        task = progress.add_task("", total=len(items))

        def tick(row: dict[str, Any]) -> None:
            progress.update(task, advance=1, description=f"{row['id']} {'ok' if row['passed'] else 'FAIL'}")

        rows, summary = run_eval(assistant, items, k, corpus_text, progress=tick)

    summary["meta"] = {
        "dataset": str(dataset_path),
        "categories": list(categories) or "all",
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "items": len(items),
    }
    out_dir = out_dir or Path("evals/runs") / started.strftime("%Y%m%dT%H%M%SZ")
    paths = write_report(out_dir, rows, summary)

    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_table(out_console, summary)
        out_console.print(f"report: {paths['report']}")

    if update_baseline:
        previous = None
        if DEFAULT_BASELINE.exists():
            try:
                previous = gate_mod.load_baseline(DEFAULT_BASELINE)
            except gate_mod.BaselineError:
                previous = None
        DEFAULT_BASELINE.parent.mkdir(parents=True, exist_ok=True)
        DEFAULT_BASELINE.write_text(
            json.dumps(gate_mod.make_baseline(summary, previous), indent=2) + "\n", encoding="utf-8")
        err_console.print(f"baseline written: {DEFAULT_BASELINE}")

    if baseline is not None:
        for key, now in (("k", k), ("n", summary["overall"]["n"])):
            if baseline.get(key) is not None and baseline[key] != now:
                click.echo(f"warning: baseline was made with {key}={baseline[key]}, this run has {key}={now}; "
                           "the comparison may not be like for like.", err=True)
        problems = gate_mod.check_gate(summary["overall"], baseline)
        if problems:
            err_console.print(f"[red bold]gate failed[/] against {gate_path}:")
            for p in problems:
                click.echo(f"  regression: {p}", err=True)
            sys.stdout.flush()
            ctx.exit(1)
        err_console.print(f"[green]gate passed[/] against {gate_path}")
