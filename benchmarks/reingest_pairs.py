"""Re-ingest after one edited file, two checkouts side by side, in alternating pairs.

    .venv/bin/python benchmarks/reingest_pairs.py --a /path/to/old/checkout --b . --pairs 5

Generates one ``scale.py`` corpus (``--articles``, hash embedder unless ``--embedder minilm``), copies it
for each checkout, ingests each from empty, then ``--pairs`` times: edits the same file the same way in
both copies (``scale.edit_one``; one untimed edit first) and times ``scarbot ingest`` of each checkout (the order alternates
from pair to pair), printing the wall time and the 1-minute load beside it. Prints the medians at the end.
Each run is a fresh process with ``PYTHONPATH`` set to the checkout's ``src``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import PY, _env, run_child  # noqa: E402
from scale import HASH_MODEL, edit_one, make_corpus  # noqa: E402


def load1() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", type=Path, required=True, help="checkout A (its src/ is used)")
    ap.add_argument("--b", type=Path, required=True, help="checkout B")
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--embedder", choices=["hash", "minilm"], default="hash")
    ap.add_argument("--keep", type=Path, help="work in this folder (reused if it already holds the ingests)")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="reingest-pairs-"))
    work.mkdir(parents=True, exist_ok=True)
    envs = {}
    for tag, checkout in (("A", args.a), ("B", args.b)):
        corpus, data = work / f"corpus-{tag}", work / f"data-{tag}"
        if not corpus.exists():
            make_corpus(corpus, args.articles)
        env = _env(SCARBOT_CORPUS_DIR=str(corpus), SCARBOT_DATA_DIR=str(data),
                   PYTHONPATH=str(checkout.resolve() / "src"))
        if args.embedder == "hash":
            env["SCARBOT_EMBEDDING_MODEL"] = HASH_MODEL
        envs[tag] = (corpus, env)
    cmd = [PY, "-c", "from scarbot.cli import main; main()", "ingest", "--quiet"]
    for tag, (_, env) in envs.items():
        wall, rss, rc, out, err = run_child(cmd, env)
        if rc:
            print(f"{tag}: ingest failed: {(err or out)[-500:]}", file=sys.stderr)
            return 1
        print(f"{tag}: first ingest {wall:.2f} s (load {load1()})", flush=True)
        # one untimed edit: a checkout whose code changed since --keep's ingest rebuilds its memo here
        edit_one(envs[tag][0])
        run_child(cmd, env)
    times: dict[str, list[float]] = {"A": [], "B": []}
    for i in range(args.pairs):
        order = ("A", "B") if i % 2 == 0 else ("B", "A")
        for tag in envs:
            edit_one(envs[tag][0])
        line = []
        for tag in order:
            before = load1()
            wall, rss, rc, out, err = run_child(cmd, envs[tag][1])
            if rc:
                print(f"{tag}: re-ingest failed: {(err or out)[-500:]}", file=sys.stderr)
                return 1
            times[tag].append(wall)
            line.append(f"{tag} {wall:.2f} s (load {before}, {rss:.0f} MiB)")
        print(f"pair {i + 1} {time.strftime('%H:%M:%S', time.gmtime())} UTC: " + ", ".join(line), flush=True)
    for tag, ts in times.items():
        print(f"{tag}: median {statistics.median(ts):.2f} s, all {', '.join(f'{t:.2f}' for t in ts)}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
