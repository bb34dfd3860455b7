"""Warm ``Assistant.ask`` of two checkouts, in alternating fresh processes, on the one-article corpus.

    .venv/bin/python benchmarks/warm_pairs.py --a ../main --b . --pairs 4 --keep /tmp/warm

Each checkout ingests the corpus (``--corpus``, default this checkout's ``corpus/``) into its own data
folder once, with its own code and the MiniLM encoder (``--keep`` reuses folders that hold an index).
Then, pair after pair (the order swapped every pair), a fresh process per checkout loads the
assistant, asks the first question untimed (lazy loading is the cold figure's business) and times
``--passes`` passes over the ``scale.py`` questions (50 by default) with ``Assistant.ask``: the p50 and
p95 of all of them are printed, with the 1-minute load beside each pair.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, {bench!r})
from scale import questions, percentile
from scarbot import Assistant
qs = questions({n})
bot = Assistant.from_settings()
bot.ask(qs[0])
times = []
for _ in range({passes}):
    for q in qs:
        t = time.perf_counter()
        bot.ask(q)
        times.append((time.perf_counter() - t) * 1000)
print(json.dumps({{"p50": percentile(times, 50), "p95": percentile(times, 95), "n": len(times)}}))
"""


def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def env_for(checkout: Path, data: Path, corpus: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(checkout / "src"), SCARBOT_DATA_DIR=str(data), SCARBOT_CORPUS_DIR=str(corpus),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               ANONYMIZED_TELEMETRY="False")
    env.pop("SCARBOT_EMBEDDING_MODEL", None)
    return env


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", type=Path, required=True, help="checkout A (before; its src/ is used)")
    ap.add_argument("--b", type=Path, default=REPO, help="checkout B (after)")
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--corpus", type=Path, default=REPO / "corpus")
    ap.add_argument("--keep", type=Path, help="data folders here (reused when they hold an index)")
    args = ap.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="warm-pairs-"))
    py = sys.executable
    scarbot = [py, "-c", "import sys; from scarbot.cli import main; sys.exit(main())"]
    sides = {}
    for label, checkout in (("a", args.a.resolve()), ("b", args.b.resolve())):
        data = root / f"data-{label}"
        env = env_for(checkout, data, args.corpus.resolve())
        if not (data / "index" / "manifest.json").is_file():
            subprocess.run([*scarbot, "ingest", "--quiet"], env=env, check=True)
        sides[label] = env
        print(f"{label}: {checkout} (data {data})")
    child = CHILD.format(bench=str(HERE), n=args.questions, passes=args.passes)
    res: dict[str, list[dict[str, float]]] = {"a": [], "b": []}
    for i in range(args.pairs):
        order = ["a", "b"] if i % 2 == 0 else ["b", "a"]
        before = load1()
        got = {}
        for k in order:
            out = subprocess.run([py, "-c", child], env=sides[k], capture_output=True, text=True, check=True)
            got[k] = json.loads(out.stdout.strip().splitlines()[-1])
            res[k].append(got[k])
        print(f"pair {i + 1} ({'/'.join(order)}), load {before:.2f}→{load1():.2f}: "
              f"a {got['a']['p50']:.2f} / {got['a']['p95']:.2f} ms, b {got['b']['p50']:.2f} / {got['b']['p95']:.2f} ms",
              flush=True)
    for k in ("a", "b"):
        p50s, p95s = [r["p50"] for r in res[k]], [r["p95"] for r in res[k]]
        print(f"{k}: p50 {min(p50s):.2f}–{max(p50s):.2f} (median {statistics.median(p50s):.2f}) ms, "
              f"p95 {min(p95s):.2f}–{max(p95s):.2f} (median {statistics.median(p95s):.2f}) ms")
    wins = sum(b["p50"] < a["p50"] for a, b in zip(res["a"], res["b"], strict=True))
    print(f"b's p50 lower in {wins} of {args.pairs} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
