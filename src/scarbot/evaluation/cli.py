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

from scarbot.evaluation import splits
from scarbot.evaluation.dataset import DatasetError, load_dataset

BASELINE = Path("evals/baseline.json")  # relative to the project root
RUNS = Path("evals/runs")


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


def _resolve_dataset(root: Path, split: str | None, dataset_path: Path | None) -> tuple[Path, str | None]:
    """The file to score and its split name (``None`` for a file outside ``evals/``)."""
    if split and dataset_path:
        raise click.UsageError("give --split or --dataset, not both.")
    if dataset_path is not None:
        return dataset_path, splits.split_of(dataset_path, root)
    name = split or splits.DEV
    path = splits.split_path(name, root)
    if not path.is_file():
        known = ", ".join(splits.available_splits(root)) or "none"
        raise click.ClickException(f"no split {name!r}: {path} does not exist (splits in {root / splits.EVALS}: "
                                   f"{known}); or give a file with --dataset.")
    return path, name


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


@click.command("eval")
@click.option("--split", "split", default=None, metavar="dev|test|NAME",
              help="Which QA split of evals/ to score: dev = evals/qa.jsonl (the default), test = evals/test.jsonl "
                   "(sealed), NAME = evals/NAME.jsonl.")
@click.option("--dataset", "dataset_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Score this file instead of a split (format: evals/SCHEMA.md in the scarbot checkout).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder [default: evals/runs/<UTC timestamp>-<split>/ in the project].")
@click.option("--k", "k", type=click.IntRange(1, 20), default=4, show_default=True,
              help="Cut-off for hit@k and nDCG@k (and the number of chunks to retrieve).")
@click.option("--category", "categories", multiple=True, help="Only items of this category (repeatable).")
@click.option("--compare", "compare_path", type=click.Path(path_type=Path), default=None,
              metavar="BASELINE_OR_RUN",
              help="A baseline JSON or an earlier run folder: list items that newly fail or pass, and metric changes.")
@click.option("--gate", "gate_path", type=click.Path(path_type=Path), default=None,
              help="Baseline JSON; exit 1 when a headline metric falls below baseline minus tolerance.")
@click.option("--update-baseline", is_flag=True,
              help=f"Write {BASELINE} (metrics and failing item ids) from this dev-split run (deliberate).")
@click.option("--wide", is_flag=True, help="Show every column of the table, however wide the terminal.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of a table.")
@click.pass_context
def eval_cmd(
    ctx: click.Context,
    split: str | None,
    dataset_path: Path | None,
    out_dir: Path | None,
    k: int,
    categories: tuple[str, ...],
    compare_path: Path | None,
    gate_path: Path | None,
    update_baseline: bool,
    wide: bool,
    as_json: bool,
) -> None:
    """Score answers, retrieval, citations and refusals on a QA split and write a report.

    Failing items are sorted into failure kinds (crash, wrong_figure, false_refusal, false_answer,
    retrieval_miss, selection_miss, answer_miss). Conversation items are played live. Never tune
    on a sealed split (evals/test*.jsonl).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from scarbot.evaluation import compare as compare_mod
    from scarbot.evaluation import gate as gate_mod
    from scarbot.evaluation import terminal
    from scarbot.evaluation.report import write_report
    from scarbot.evaluation.runner import count_rows, headline_metrics, run_eval

    width = terminal.terminal_width()
    err_console = terminal.make_console(width, stderr=True)
    out_console = terminal.make_console(10_000 if wide else width)

    # Everything that can be checked is checked before the (slow) run, and before writing anything.
    root = splits.project_root()
    dataset_path, split_name = _resolve_dataset(root, split, dataset_path)
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
    if update_baseline and split_name != splits.DEV:
        raise click.ClickException(f"--update-baseline records the dev split ({splits.EVALS}/{splits.DEV_FILE}); "
                                   "drop --split/--dataset. A sealed split never becomes a baseline.")
    baseline = None
    if gate_path is not None:
        try:
            baseline = gate_mod.load_baseline(gate_path)
        except gate_mod.BaselineError as exc:
            raise click.ClickException(str(exc)) from exc
    reference = None
    if compare_path is not None:
        try:
            reference = compare_mod.load_reference(compare_path)
        except compare_mod.CompareError as exc:
            raise click.ClickException(str(exc)) from exc
    elif baseline is not None:
        reference = compare_mod.baseline_reference(baseline, str(gate_path))

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
        task = progress.add_task("", total=count_rows(items))

        def tick(row: dict[str, Any]) -> None:
            progress.update(task, advance=1, description=f"{row['id']} {'ok' if row['passed'] else 'FAIL'}")

        rows, summary = run_eval(assistant, items, k, corpus_text, progress=tick)

    summary["meta"] = {
        "dataset": _display(dataset_path, root),
        "split": split_name,
        "sealed": splits.is_sealed(split_name),
        "categories": list(categories) or "all",
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "items": len(items),
        "scored": len(rows),
    }
    if reference is not None:
        summary["compare"] = compare_mod.compare(reference, rows, summary)
    tag = split_name or dataset_path.stem
    out_dir = out_dir or root / RUNS / f"{started.strftime('%Y%m%dT%H%M%SZ')}-{tag}"
    paths = write_report(out_dir, rows, summary)

    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        terminal.print_summary(out_console, summary, width, wide)
        terminal.print_conversations(out_console, summary)
        terminal.print_failures(out_console, rows, summary)
        terminal.print_compare(out_console, summary.get("compare"))
        click.echo(f"report: {paths['report']}")

    if update_baseline:
        baseline_path = root / BASELINE
        previous = None
        if baseline_path.exists():
            try:
                previous = gate_mod.load_baseline(baseline_path)
            except gate_mod.BaselineError:
                previous = None
        baseline_path.parent.mkdir(parents=True, exist_ok=True)
        baseline_path.write_text(
            json.dumps(gate_mod.make_baseline(summary, previous, rows), indent=2) + "\n", encoding="utf-8")
        err_console.print(f"baseline written: {baseline_path}")

    if baseline is not None:
        for key, now in (("k", k), ("n", summary["overall"]["n"]), ("split", split_name)):
            if baseline.get(key) is not None and baseline[key] != now:
                click.echo(f"warning: baseline was made with {key}={baseline[key]}, this run has {key}={now}; "
                           "the comparison may not be like for like.", err=True)
        problems = gate_mod.check_gate(headline_metrics(summary), baseline)
        if problems:
            err_console.print(f"[red bold]gate failed[/] against {gate_path}:")
            for p in problems:
                click.echo(f"  regression: {p}", err=True)
            against_gate = compare_mod.compare(compare_mod.baseline_reference(baseline, str(gate_path)), rows, summary)
            for line in terminal.compare_lines(against_gate):
                click.echo(f"  {line}", err=True)
            sys.stdout.flush()
            ctx.exit(1)
        err_console.print(f"[green]gate passed[/] against {gate_path}")
