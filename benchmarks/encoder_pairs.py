"""The query encoder of two checkouts, timed in alternating passes in one process.

    .venv/bin/python benchmarks/encoder_pairs.py --old ../main --new . --pairs 8

Each checkout's ``src/scarbot/embeddings.py`` is loaded under its own name, its ``OnnxEmbedder``
prepared (exporting the model into the ONNX cache if that checkout's export is not there yet), and
then both embed the same questions one at a time (``embed_query``: the query session, as
``Assistant.ask`` uses it), pass after pass, the order swapped every pair. A pass's figure is the
median per-question time; the 1-minute load is printed beside each pair. It also prints the lowest
cosine between the two encoders' vectors over the questions (and, with ``--reference``, against
sentence-transformers). The questions are the first turns and follow-ups of the dev eval files
(never the sealed test files), deduplicated, up to ``--questions``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVAL_FILES = ["qa.jsonl", "dev2.jsonl", "dev4.jsonl", "dev5.jsonl", "dev6.jsonl", "conversations.jsonl",
              "dev2-conversations.jsonl", "dev4-conversations.jsonl"]


def questions(n: int) -> list[str]:
    seen: dict[str, None] = {}
    for name in EVAL_FILES:
        path = REPO / "evals" / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            for q in [item.get("question"), *(t.get("user") for t in item.get("turns", []))]:
                if isinstance(q, str) and q.strip():
                    seen.setdefault(q, None)
    return list(seen)[:n]


def load_embeddings(checkout: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, checkout / "src" / "scarbot" / "embeddings.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def one_pass(embed, qs: list[str]) -> float:
    times = []
    for q in qs:
        t = time.perf_counter()
        embed(q)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def fresh_pairs(args: argparse.Namespace) -> int:
    import subprocess

    res: dict[str, list[float]] = {"old": [], "new": []}
    wins = 0
    for i in range(args.pairs):
        order = ["old", "new"] if i % 2 == 0 else ["new", "old"]
        before = load1()
        got = {}
        for k in order:
            cmd = [sys.executable, __file__, "--old", str(args.old), "--_child", str(getattr(args, k)),
                   "--questions", str(args.questions)]
            got[k] = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()[-1])
            res[k].append(got[k])
        wins += got["new"] < got["old"]
        print(f"pair {i + 1} ({'/'.join(order)}), load {before:.2f}→{load1():.2f}: "
              f"old {got['old']:.2f} ms, new {got['new']:.2f} ms", flush=True)
    print(f"median of pass medians: old {statistics.median(res['old']):.2f} ms, new {statistics.median(res['new']):.2f}"
          f" ms; new faster in {wins} of {args.pairs} pairs (a fresh process per pass)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, required=True, help="checkout with the encoder before")
    ap.add_argument("--new", type=Path, default=REPO, help="checkout with the encoder after")
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--reference", action="store_true", help="also compare with sentence-transformers")
    ap.add_argument("--fresh", action="store_true",
                    help="each pass in a fresh process holding only that checkout's session, as a server does")
    ap.add_argument("--_child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--new-first", action="store_true",
                    help="open the new checkout's session first (where a session's buffers land moves a pass by "
                         "a few per cent: run both ways)")
    args = ap.parse_args(argv)
    import numpy as np

    qs = questions(args.questions)
    if args._child:
        mod = load_embeddings(args._child.resolve(), "scarbot_embeddings_child")
        enc = mod.OnnxEmbedder(mod.resolve_model_path("all-MiniLM-L6-v2")).prepare()
        for q in qs[:20]:
            enc.embed_query(q)
        print(json.dumps(one_pass(enc.embed_query, qs)))
        return 0
    if args.fresh:
        return fresh_pairs(args)
    encoders = {}
    sides = [("old", args.old), ("new", args.new)]
    for label, checkout in sides[::-1] if args.new_first else sides:
        mod = load_embeddings(checkout.resolve(), f"scarbot_embeddings_{label}")
        enc = mod.OnnxEmbedder(mod.resolve_model_path("all-MiniLM-L6-v2")).prepare()
        meta = json.loads((enc._model_file.parent / "meta.json").read_text())
        print(f"{label}: {checkout} export_version {meta.get('export_version')} fused {meta.get('fused', False)}")
        encoders[label] = enc
    vecs = {k: np.stack([e.embed_query(q) for q in qs]) for k, e in encoders.items()}
    print(f"{len(qs)} questions; lowest cosine old vs new {float((vecs['old'] * vecs['new']).sum(1).min()):.7f}")
    if args.reference:
        st = load_embeddings(args.new.resolve(), "scarbot_embeddings_ref")
        ref = st.SentenceTransformerEmbedder("all-MiniLM-L6-v2").embed_documents(qs)
        for k, v in vecs.items():
            print(f"lowest cosine {k} vs sentence-transformers {float((v * ref).sum(1).min()):.7f}")
    res: dict[str, list[float]] = {"old": [], "new": []}
    wins = 0
    for i in range(args.pairs):
        order = ["old", "new"] if i % 2 == 0 else ["new", "old"]
        before = load1()
        got = {k: one_pass(encoders[k].embed_query, qs) for k in order}
        for k, v in got.items():
            res[k].append(v)
        wins += got["new"] < got["old"]
        print(f"pair {i + 1} ({'/'.join(order)}), load {before:.2f}→{load1():.2f}: "
              f"old {got['old']:.2f} ms, new {got['new']:.2f} ms")
    print(f"median of pass medians: old {statistics.median(res['old']):.2f} ms, new {statistics.median(res['new']):.2f}"
          f" ms; new faster in {wins} of {args.pairs} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
