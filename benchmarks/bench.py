"""Speed benchmark: scarbot vs a plain LangChain RAG script, side by side in one run.

    .venv/bin/python benchmarks/bench.py                 # both halves, 5 cold runs, 30 warm questions
    .venv/bin/python benchmarks/bench.py --skip-scarbot  # only the LangChain baseline
    .venv/bin/python benchmarks/bench.py --json-out benchmarks/last.json

For each system it measures:

* cold: a fresh process answering one question (``scarbot ask Q --json`` /
  ``plain_langchain_rag.py ask Q --json``): median wall time over ``--runs`` runs and the
  peak RSS of each child (``os.wait4``), which is what a support person at a terminal feels;
* warm: one process that has loaded everything answers ~30 varied questions from
  ``evals/qa.jsonl`` (first-turn questions, round-robin over categories): p50/p95 wall time
  per question, plus evidence hit@4 so speed is never bought with worse retrieval;
* the encoder alone: load time and per-query time of the ONNX MiniLM vs sentence-transformers.

Every half runs in its own subprocess, against temporary data folders (SCARBOT_DATA_DIR and a
temporary Chroma directory), so nothing here touches the index other people use. Nothing is
downloaded. Timings depend on machine load, so the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PY = sys.executable
SCARBOT = str(Path(PY).parent / "scarbot")
PLAIN = str(HERE / "plain_langchain_rag.py")
COLD_QUESTION = "How much is microneedling in India?"
TARGET_COLD_S = 2.0
TARGET_RSS_MIB = 300
TARGET_WARM_P50_MS = 15  # the Grounded answers issue: warm Assistant.ask p50 <= 15 ms, p95 <= 40 ms
TARGET_WARM_P95_MS = 40
K = 4

FALLBACK_QUESTIONS = [
    "What are atrophic scars?",
    "How much is microneedling in India?",
    "What is the difference between boxcar and rolling scars?",
    "How many sessions of fractional laser are needed?",
    "What does subcision do?",
    "Which airline flies direct to Seoul from Lagos?",
]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        TOKENIZERS_PARALLELISM="false",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    env.update(extra)
    return env


def load_questions(n: int) -> list[dict[str, Any]]:
    """~n varied first-turn questions: round-robin over the QA set's categories, in file order."""
    path = REPO / "evals" / "qa.jsonl"
    if not path.is_file():
        return [{"question": q, "evidence": []} for q in FALLBACK_QUESTIONS]
    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            if not item.get("history"):
                by_cat[item.get("category", "")].append(item)
    out: list[dict[str, Any]] = []
    while len(out) < n and any(by_cat.values()):
        for cat in list(by_cat):
            if by_cat[cat] and len(out) < n:
                out.append(by_cat[cat].pop(0))
    return out


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: with 30 samples p95 is the 29th)."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str, str]:
    """Wall seconds, peak RSS MiB, return code, stdout, stderr of one child process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            wall,
            usage.ru_maxrss / 1024,  # KiB on Linux
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def cold(cmd: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    walls, rss = [], []
    for _ in range(runs):
        wall, peak, rc, out, err = run_child(cmd, env)
        if rc != 0:
            return {"error": f"exit {rc}: {(err or out).strip()[-400:]}"}
        json.loads(out)  # it must really have answered
        walls.append(wall)
        rss.append(peak)
    return {"wall_s_median": statistics.median(walls), "wall_s_all": walls, "rss_mib_max": max(rss)}


def warm_child(kind: str, questions: list[dict[str, Any]], persist: str | None) -> dict[str, Any]:
    """Runs inside a subprocess: load once, then time each question."""
    t0 = time.perf_counter()
    if kind == "scarbot":
        from scarbot import Assistant

        bot = Assistant.from_settings()

        def ask(q: str) -> list[str]:
            return [c.text for c in bot.ask(q).contexts]
    else:
        sys.path.insert(0, str(HERE))
        from plain_langchain_rag import PlainRAG

        rag = PlainRAG(Path(persist or ""))

        def ask(q: str) -> list[str]:
            return [c["text"] for c in rag.ask(q)["contexts"]]

    ask(COLD_QUESTION)  # first call pays lazy loading; it is the cold figure's business, not this one's
    load_s = time.perf_counter() - t0
    times, hits, scored = [], 0, 0
    for item in questions:
        t = time.perf_counter()
        texts = ask(item["question"])
        times.append((time.perf_counter() - t) * 1000)
        if item.get("evidence"):
            scored += 1
            hits += any(ev in txt for txt in texts[:K] for ev in item["evidence"])
    return {
        "load_s": load_s,
        "n": len(times),
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "max_ms": max(times),
        "hit_at_k": hits / scored if scored else None,
        "scored": scored,
    }


def encoder_child(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Runs inside a fresh subprocess so that import costs are counted."""
    texts = [q["question"] for q in questions]
    t0 = time.perf_counter()
    from scarbot.embeddings import OnnxEmbedder, SentenceTransformerEmbedder, resolve_model_path

    path = resolve_model_path("all-MiniLM-L6-v2")
    npe = OnnxEmbedder(path).prepare()
    np_load = time.perf_counter() - t0
    t = time.perf_counter()
    npe.embed_query(texts[0])
    np_first = time.perf_counter() - t
    np_times = []
    for q in texts:
        t = time.perf_counter()
        npe.embed_query(q)
        np_times.append((time.perf_counter() - t) * 1000)

    t = time.perf_counter()
    ste = SentenceTransformerEmbedder(path)
    st_load = time.perf_counter() - t
    ste.embed_query(texts[0])
    st_times = []
    for q in texts:
        t = time.perf_counter()
        ste.embed_query(q)
        st_times.append((time.perf_counter() - t) * 1000)
    cos = (npe.embed_documents(texts) * ste.embed_documents(texts)).sum(1)
    return {
        "onnx": {"load_s": np_load, "first_ms": np_first * 1000, "p50_ms": percentile(np_times, 50),
                  "p95_ms": percentile(np_times, 95)},
        "sentence_transformers": {"load_s": st_load, "p50_ms": percentile(st_times, 50),
                                  "p95_ms": percentile(st_times, 95)},
        "min_cosine": float(cos.min()),
    }


def child_json(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    _, peak, rc, out, err = run_child([PY, str(Path(__file__).resolve()), *args], env)
    if rc != 0:
        return {"error": f"exit {rc}: {(err or out).strip()[-400:]}"}
    res = json.loads(out.strip().splitlines()[-1])
    res["rss_mib"] = peak
    return res


def bench_scarbot(tmp: Path, runs: int, n_questions: int) -> dict[str, Any]:
    if not Path(SCARBOT).exists():
        return {"error": f"{SCARBOT} not found (is the package installed?)"}
    env = _env(SCARBOT_DATA_DIR=str(tmp / "scarbot-data"))
    wall, _, rc, out, err = run_child([SCARBOT, "ingest"], env)
    if rc != 0:
        return {"error": f"'scarbot ingest' failed (exit {rc}): {(err or out).strip()[-400:]}"}
    res: dict[str, Any] = {"build_s": wall}
    res["cold"] = cold([SCARBOT, "ask", COLD_QUESTION, "--json"], env, runs)
    res["warm"] = child_json(["--_warm", "scarbot", "--questions", str(n_questions)], env)
    return res


def bench_langchain(tmp: Path, runs: int, n_questions: int) -> dict[str, Any]:
    persist = str(tmp / "plain-chroma")
    env = _env()
    wall, _, rc, out, err = run_child([PY, PLAIN, "build", "--persist", persist], env)
    if rc != 0:
        return {"error": f"plain LangChain build failed (exit {rc}): {(err or out).strip()[-400:]}"}
    res: dict[str, Any] = {"build_s": wall}
    res["cold"] = cold([PY, PLAIN, "ask", COLD_QUESTION, "--persist", persist, "--json"], env, runs)
    res["warm"] = child_json(
        ["--_warm", "langchain", "--persist", persist, "--questions", str(n_questions)], env
    )
    return res


def compile_sources() -> None:
    """Byte-compile scarbot's sources and the benchmark scripts, as installing a wheel does (pip compiles
    every module), so that a cold process of either system reads bytecode rather than compiling source:
    an editable checkout under PYTHONDONTWRITEBYTECODE=1 would otherwise pay ~0.2 s per process that an
    installed program never pays. The plain script's libraries are compiled by pip already."""
    import compileall

    for folder in (REPO / "src", HERE):
        compileall.compile_dir(str(folder), quiet=1)


def paired(tmp: Path, pairs: int) -> dict[str, Any]:
    """Cold asks of both systems alternated (scarbot, plain, scarbot, plain, ...; the order flips every
    pair), so that a change in the machine's load hits both alike: per-pair wall ratio and peak RSS."""
    env_s = _env(SCARBOT_DATA_DIR=str(tmp / "scarbot-data"))
    persist = str(tmp / "plain-chroma")
    for cmd, env in (([SCARBOT, "ingest", "--quiet"], env_s), ([PY, PLAIN, "build", "--persist", persist], _env())):
        _, _, rc, out, err = run_child(cmd, env)
        if rc != 0:
            return {"error": f"{cmd[1]} failed (exit {rc}): {(err or out).strip()[-400:]}"}
    a_cmd, b_cmd = [SCARBOT, "ask", COLD_QUESTION, "--json"], [PY, PLAIN, "ask", COLD_QUESTION, "--persist", persist,
                                                               "--json"]
    for cmd, env in ((a_cmd, env_s), (b_cmd, _env())):  # one untimed run each: the page cache, not the code
        run_child(cmd, env)
    rows = []
    for i in range(pairs):
        got: dict[str, tuple[float, float]] = {}
        for name in (("scarbot", "plain") if i % 2 == 0 else ("plain", "scarbot")):
            cmd, env = (a_cmd, env_s) if name == "scarbot" else (b_cmd, _env())
            wall, peak, rc, out, err = run_child(cmd, env)
            if rc != 0:
                return {"error": f"{name} ask failed (exit {rc}): {(err or out).strip()[-400:]}"}
            got[name] = (wall, peak)
        rows.append({"scarbot_s": got["scarbot"][0], "plain_s": got["plain"][0], "scarbot_mib": got["scarbot"][1],
                     "plain_mib": got["plain"][1], "ratio": got["plain"][0] / got["scarbot"][0],
                     "load": os.getloadavg()[0]})
    return {"pairs": rows, "ratio_median": statistics.median(r["ratio"] for r in rows),
            "scarbot_s_median": statistics.median(r["scarbot_s"] for r in rows),
            "plain_s_median": statistics.median(r["plain_s"] for r in rows),
            "scarbot_mib_max": max(r["scarbot_mib"] for r in rows), "plain_mib_max": max(r["plain_mib"] for r in rows)}


def render_paired(res: dict[str, Any]) -> str:
    if "error" in res:
        return f"paired cold asks: {res['error']}"
    lines = ["pair  scarbot (s)  plain (s)  ratio  scarbot MiB  plain MiB  load"]
    for i, r in enumerate(res["pairs"], 1):
        lines.append(f"{i:>4}  {r['scarbot_s']:>11.2f}  {r['plain_s']:>9.2f}  {r['ratio']:>5.1f}  {r['scarbot_mib']:>11.0f}"
                     f"  {r['plain_mib']:>9.0f}  {r['load']:.2f}")
    lines.append(f"median: scarbot {res['scarbot_s_median']:.2f} s, plain {res['plain_s_median']:.2f} s, ratio "
                 f"{res['ratio_median']:.1f}x (per pair); peak RSS {res['scarbot_mib_max']:.0f} vs "
                 f"{res['plain_mib_max']:.0f} MiB")
    return "\n".join(lines)


def _fmt(res: dict[str, Any] | None, *keys: str, scale: float = 1.0, digits: int = 2) -> str:
    if res is None:
        return "skipped"
    cur: Any = res
    for k in keys:
        if not isinstance(cur, dict):
            return "n/a"
        if "error" in cur:
            return "error"
        cur = cur.get(k)
    if cur is None:
        return "n/a"
    return f"{cur * scale:.{digits}f}"


def render(results: dict[str, Any]) -> str:
    s, lc = results.get("scarbot"), results.get("langchain")
    n = (s or lc or {}).get("warm", {}).get("n", "?")
    rows = [
        ("cold `ask` wall, median of runs (s)", ("cold", "wall_s_median"), 1, 2, f"<= {TARGET_COLD_S:g} s"),
        ("cold `ask` peak RSS, max of runs (MiB)", ("cold", "rss_mib_max"), 1, 0, f"<= {TARGET_RSS_MIB} MiB"),
        (f"warm ask p50 over {n} questions (ms)", ("warm", "p50_ms"), 1, 1, f"<= {TARGET_WARM_P50_MS} ms"),
        (f"warm ask p95 over {n} questions (ms)", ("warm", "p95_ms"), 1, 1, f"<= {TARGET_WARM_P95_MS} ms"),
        ("warm process load + first answer (s)", ("warm", "load_s"), 1, 2, ""),
        ("warm process peak RSS (MiB)", ("warm", "rss_mib"), 1, 0, ""),
        (f"evidence hit@{K} (%)", ("warm", "hit_at_k"), 100, 0, ""),
        ("index build / ingest (s)", ("build_s",), 1, 1, ""),
    ]
    head = ("", "scarbot", "plain LangChain", "target")
    table = [head] + [
        (label, _fmt(s, *keys, scale=sc, digits=d), _fmt(lc, *keys, scale=sc, digits=d), tgt)
        for label, keys, sc, d, tgt in rows
    ]
    enc = results.get("encoder")
    if enc and "error" not in enc:
        table += [
            ("encoder load incl. imports (s)", f"{enc['onnx']['load_s']:.2f} (onnx)",
             f"{enc['sentence_transformers']['load_s']:.2f} (torch)", "< 1 s (onnx)"),
            ("encoder per query p50 / p95 (ms)",
             f"{enc['onnx']['p50_ms']:.1f} / {enc['onnx']['p95_ms']:.1f}",
             f"{enc['sentence_transformers']['p50_ms']:.1f} / {enc['sentence_transformers']['p95_ms']:.1f}",
             "a few ms"),
            ("encoder agreement, min cosine", f"{enc['min_cosine']:.6f}", "", ">= 0.9999"),
        ]
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for name, res in (("scarbot", s), ("plain LangChain", lc), ("encoder", enc)):
        for part in (res or {}, *(v for v in (res or {}).values() if isinstance(v, dict))):
            if "error" in part:
                lines.append(f"{name}: {part['error']}")
    m = results["machine"]
    lines.append(
        f"machine: {m['cpus']} CPUs, load average {m['load_before']} before / {m['load_after']} after; "
        f"cold question: {COLD_QUESTION!r}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="scarbot vs plain LangChain RAG: cold and warm latency")
    ap.add_argument("--runs", type=int, default=5, help="cold runs per system (median reported)")
    ap.add_argument("--questions", type=int, default=30, help="warm questions from evals/qa.jsonl")
    ap.add_argument("--skip-scarbot", action="store_true")
    ap.add_argument("--skip-langchain", action="store_true")
    ap.add_argument("--skip-encoder", action="store_true")
    ap.add_argument("--json-out", type=Path, help="also write the raw figures here")
    ap.add_argument("--paired", type=int, metavar="N",
                    help="only N pairs of cold asks, the two systems alternated; prints each pair's ratio")
    ap.add_argument("--_warm", choices=["scarbot", "langchain"], help=argparse.SUPPRESS)
    ap.add_argument("--_encoder", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--persist", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    questions = load_questions(args.questions)
    if not (args._warm or args._encoder):
        compile_sources()
    if args._warm:
        print(json.dumps(warm_child(args._warm, questions, args.persist)))
        return 0
    if args._encoder:
        print(json.dumps(encoder_child(questions)))
        return 0

    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    }
    if args.paired:
        with tempfile.TemporaryDirectory(prefix="scarbot-bench-") as tmp:
            results["paired"] = paired(Path(tmp), args.paired)
        results["machine"]["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(render_paired(results["paired"]))
        print(f"load average {results['machine']['load_before']} before / {results['machine']['load_after']} after")
        if args.json_out:
            args.json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        return 0
    with tempfile.TemporaryDirectory(prefix="scarbot-bench-") as tmp:
        if not args.skip_encoder:
            print("measuring the encoders ...", file=sys.stderr)
            results["encoder"] = child_json(["--_encoder", "--questions", str(args.questions)], _env())
        if not args.skip_langchain:
            print("measuring plain LangChain RAG (build, cold, warm) ...", file=sys.stderr)
            results["langchain"] = bench_langchain(Path(tmp), args.runs, args.questions)
        if not args.skip_scarbot:
            print("measuring scarbot (ingest, cold, warm) ...", file=sys.stderr)
            results["scarbot"] = bench_scarbot(Path(tmp), args.runs, args.questions)
    results["machine"]["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(render(results))
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
