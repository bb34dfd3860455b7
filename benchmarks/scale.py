"""Cost against corpus size: scarbot and the plain LangChain RAG script on generated corpora.

    .venv/bin/python benchmarks/scale.py                          # 10 and 100 articles, MiniLM
    .venv/bin/python benchmarks/scale.py --articles 1000 --embedder hash --runs 1
    .venv/bin/python benchmarks/scale.py --articles 10 --skip-langchain
    .venv/bin/python benchmarks/scale.py --render                 # SCALE.md + plot from stored results only

For N articles it writes a corpus of realistic variants of ``corpus/*.md`` (other clinic names,
cities and districts, prices scaled by a per-article factor, the subsections of each part in
another order, another title) plus unrelated Markdown bulk (about 30%: guides on other topics with
lists and tables), always with the original article as one of them, deterministically (``--seed``).
Then, each in a fresh process against temporary folders:

* scarbot: ``scarbot ingest`` from empty (wall, peak RSS, chunks/s), again with nothing changed,
  again after one edited file; cold ``scarbot ask`` (wall and peak RSS, median of ``--runs``);
  warm ``Assistant.ask`` p50/p95 over ``--questions`` questions in one process; and the answer's
  size for a price question (characters, citations);
* plain LangChain (``plain_langchain_rag.py``): build (wall, RSS), cold ask, warm p50/p95.

``--embedder hash`` uses a word-hashing fake embedder (384 dims) on both sides, to take the
model out and measure everything else. Results are kept in ``benchmarks/scale-results.json`` (one
row per system, size and embedder; a new run replaces its rows) and rendered into
``benchmarks/SCALE.md`` with a log-log plot ``benchmarks/scale.svg``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from bench import PLAIN, PY, SCARBOT, _env, compile_sources, percentile, run_child  # noqa: E402

RESULTS = HERE / "scale-results.json"
REPORT = HERE / "SCALE.md"
PLOT = HERE / "scale.svg"
HASH_MODEL = "hash-384"
PRICE_QUESTION = "How much is microneedling in Korea?"

# --------------------------------------------------------------------------- corpus generator

CLINIC_HEADS = ["Hanbit", "Seoyeon", "Mirae", "Cheongdam", "Lumi", "Aria", "Bomnal", "Daon", "Haneul", "Jiwoo",
                "Nuri", "Saebom", "Yeonhwa", "Dasom", "Gaon", "Hyanggi", "Iseul", "Maru", "Onnuri", "Sarang",
                "Boram", "Chorok", "Eunha", "Garam", "Hana", "Sol", "Taeyang", "Uri", "Yedam", "Zeniel"]
CLINIC_TAILS = ["Dermatology", "Skin Clinic", "Plastic Surgery", "Aesthetic Center", "Medical Center",
                "Hospital", "Laser Clinic", "Skin & Laser"]
CITIES = ["Seoul", "Busan", "Incheon", "Daegu", "Daejeon", "Gwangju", "Ulsan", "Suwon", "Jeju", "Changwon"]
DISTRICTS = ["Gangnam", "Cheonho", "Pangyo", "Sinsa", "Apgujeong", "Myeongdong", "Haeundae", "Seomyeon", "Jamsil",
             "Mapo", "Yeouido", "Bundang", "Songdo", "Dongseong", "Yuseong", "Nowon"]
BULK_TOPICS = ["Container Gardening", "Sourdough Baking", "Trail Running", "Home Networking", "Birdwatching",
               "Watercolour Painting", "Urban Cycling", "Budget Travel", "Houseplant Care", "Beekeeping",
               "Chess Openings", "Coffee Brewing", "Camping Gear", "Bread Machines", "Composting"]
_WORD_TEXT = ("season light water soil tools weekly patience routine beginner advanced gear budget method step care "
              "guide planning schedule quality choice common mistake simple practice result detail local market "
              "spring summer autumn winter morning evening temperature balance pressure texture flavour route "
              "distance pace signal network cable storage window shelf label record trip ticket map")
WORDS = _WORD_TEXT.split()


def _price(match: re.Match, factor: float) -> str:
    value = float(match.group(1).replace(",", ""))
    scaled = max(5, int(round(value * factor / 5.0)) * 5)
    return f"${scaled:,}"


def variant(base: str, i: int, rng: random.Random) -> str:
    """The article with other clinics, places and prices, its subsections reordered, another title."""
    text = base
    clinics = re.findall(r"^### (.+)$", text.split("## Best Clinics", 1)[1].split("\n## ", 1)[0], re.M) \
        if "## Best Clinics" in text else []
    for name in clinics:
        short = name.split()[0]
        new = f"{rng.choice(CLINIC_HEADS)} {rng.choice(CLINIC_TAILS)}"
        text = text.replace(name, new)
        text = re.sub(rf"\b{re.escape(short)}\b(?= Clinic| Plastic| Sacred)", new.split()[0], text)
    city = rng.choice(CITIES)
    for district in ("Cheonho", "Gangnam", "Pangyo"):
        text = text.replace(district, rng.choice(DISTRICTS))
    text = text.replace("Seoul", city)
    factor = rng.uniform(0.7, 1.4)
    text = re.sub(r"\$([\d,]+(?:\.\d+)?)", lambda m: _price(m, factor), text)
    text = re.sub(r"^(title: .*)$", lambda m: f"{m.group(1)} ({city} edition {i})", text, count=1, flags=re.M)
    text = re.sub(r"^(# .*)$", lambda m: f"{m.group(1)} ({city} edition {i})", text, count=1, flags=re.M)
    # reorder the ### subsections inside every ## part (the part's own intro stays first)
    parts = re.split(r"(?m)^(?=## )", text)
    out = []
    for part in parts:
        subs = re.split(r"(?m)^(?=### )", part)
        head, rest = subs[0], subs[1:]
        rng.shuffle(rest)
        out.append(head + "".join(s if s.endswith("\n\n") else s.rstrip("\n") + "\n\n" for s in rest))
    return "".join(out)


def _sentence(rng: random.Random, topic: str) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    words.insert(rng.randint(0, len(words)), topic.lower())
    return " ".join(words).capitalize() + "."


def bulk(i: int, rng: random.Random) -> str:
    """An unrelated Markdown guide of about the article's size: sections, paragraphs, lists, a table."""
    topic = rng.choice(BULK_TOPICS)
    lines = ["---", f"title: A Practical Guide to {topic} ({i})", "language: en", "---", "",
             f"# A Practical Guide to {topic} ({i})", ""]
    for s in range(rng.randint(5, 8)):
        lines += [f"## {topic}: {rng.choice(WORDS).capitalize()} and {rng.choice(WORDS)} ({s + 1})", ""]
        for _ in range(rng.randint(1, 3)):
            lines += [" ".join(_sentence(rng, topic) for _ in range(rng.randint(3, 6))), ""]
        if rng.random() < 0.6:
            lines += [f"- {rng.choice(WORDS).capitalize()}: {_sentence(rng, topic)}" for _ in range(rng.randint(3, 6))]
            lines.append("")
        if rng.random() < 0.35:
            cols = ["Item", "Level", "Time", "Cost (USD)"]
            lines += ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
            for _ in range(rng.randint(3, 7)):
                lines.append(f"| {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} | {rng.choice(['easy', 'medium', 'hard'])} "
                             f"| {rng.randint(1, 9)} h | ${rng.randint(5, 400)} |")
            lines.append("")
    return "\n".join(lines) + "\n"


def make_corpus(out: Path, n: int, seed: int = 15) -> list[str]:
    """Write n articles into ``out``: the originals, then variants (~70%) and bulk (~30%)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    originals = sorted((REPO / "corpus").glob("*.md"))
    names = []
    for p in originals[:n]:
        shutil.copy(p, out / p.name)
        names.append(p.name)
    base = originals[0].read_text(encoding="utf-8")
    for i in range(len(names), n):
        if rng.random() < 0.7:
            name = f"variant-{i:04d}.md"
            (out / name).write_text(variant(base, i, rng), encoding="utf-8")
        else:
            name = f"bulk-{i:04d}.md"
            (out / name).write_text(bulk(i, rng), encoding="utf-8")
        names.append(name)
    return names


def edit_one(corpus: Path) -> str:
    """Change one price in one variant article (or one sentence elsewhere): the 're-ingest' case."""
    files = sorted(corpus.glob("variant-*.md")) or sorted(corpus.glob("*.md"))
    target = files[len(files) // 2]
    text = target.read_text(encoding="utf-8")
    new = re.sub(r"\$([\d,]+)", lambda m: f"${int(m.group(1).replace(',', '')) + 5:,}", text, count=1)
    if new == text:
        new = text + "\nOne more sentence was added to this article.\n"
    target.write_text(new, encoding="utf-8")
    return target.name


def questions(n: int) -> list[str]:
    """~n varied first-turn questions: prices, clinics, procedures, definitions, out of scope."""
    procs = ["microneedling", "laser resurfacing", "chemical peels", "subcision", "dermal fillers", "stem cell therapy"]
    countries = ["Korea", "India", "the USA", "Turkey", "Thailand", "the UK", "Australia", "Singapore"]
    qs = [f"How much is {p} in {c}?" for p in procs[:4] for c in countries[:5]]
    qs += [f"How many sessions of {p} do I need?" for p in procs]
    qs += [f"What is the recovery time for {p}?" for p in procs]
    qs += ["What are atrophic scars?", "What is the difference between boxcar and rolling scars?",
           "Which clinics in Korea treat atrophic scars?", "Where is Louis Clinic?", "What does subcision do?",
           "Is stem cell therapy safe for acne scars?", "Which treatment is best for ice pick scars?",
           "Why is Korea popular for medical tourism?", "What should I expect after a chemical peel?",
           "Which airline flies direct to Seoul from Lagos?", "How do I brew coffee with a French press?",
           "What is the cheapest country for laser resurfacing?"]
    return [qs[i % len(qs)] for i in range(n)]


# --------------------------------------------------------------------------- measuring


def _chunks_in(data_dir: Path) -> int | None:
    try:
        return int(json.loads((data_dir / "index" / "manifest.json").read_text("utf-8"))["chunks"])
    except (OSError, ValueError, KeyError):
        return None


def _timed(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    wall, rss, rc, out, err = run_child(cmd, env)
    res: dict[str, Any] = {"wall_s": round(wall, 3), "rss_mib": round(rss, 1)}
    if rc != 0:
        res["error"] = f"exit {rc}: {(err or out).strip()[-300:]}"
    res["stdout"] = out
    return res


def _cold(cmd: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    walls, rss = [], []
    out = ""
    for _ in range(runs):
        r = _timed(cmd, env)
        if "error" in r:
            return {"error": r["error"]}
        walls.append(r["wall_s"])
        rss.append(r["rss_mib"])
        out = r["stdout"]
    res: dict[str, Any] = {"wall_s": statistics.median(walls), "wall_s_all": walls, "rss_mib": max(rss)}
    try:
        ans = json.loads(out)
        res["answer_chars"] = len(ans.get("answer", ""))
        res["citations"] = len(ans.get("citations", []))
        res["cited_sources"] = len({c.get("source") for c in ans.get("citations", [])})
    except ValueError:
        pass
    return res


def _warm(kind: str, env: dict[str, str], n_questions: int, persist: str = "", embedder: str = "") -> dict[str, Any]:
    cmd = [PY, str(Path(__file__).resolve()), "--_warm", kind, "--questions", str(n_questions),
           "--persist", persist, "--embedder", embedder]
    r = _timed(cmd, env)
    if "error" in r:
        return {"error": r["error"]}
    res = json.loads(r["stdout"].strip().splitlines()[-1])
    res["rss_mib"] = r["rss_mib"]
    return res


def warm_child(kind: str, n_questions: int, persist: str, embedder: str) -> dict[str, Any]:
    """Runs in its own process: load once, then time every question."""
    qs = questions(n_questions)
    t0 = time.perf_counter()
    if kind == "scarbot":
        from scarbot import Assistant

        bot = Assistant.from_settings()

        def ask(q: str) -> None:
            bot.ask(q)
    else:
        from plain_langchain_rag import PlainRAG

        rag = PlainRAG(Path(persist), embedder=embedder)

        def ask(q: str) -> None:
            rag.ask(q)

    ask(qs[0])  # the first question pays lazy loading: that is the cold figure's business
    load_s = time.perf_counter() - t0
    times = []
    for q in qs:
        t = time.perf_counter()
        ask(q)
        times.append((time.perf_counter() - t) * 1000)
    return {"load_s": round(load_s, 3), "n": len(times), "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2), "max_ms": round(max(times), 2)}


def bench_scarbot(tmp: Path, corpus: Path, n: int, embedder: str, runs: int, n_q: int, *,
                  server: bool = False, rebuild: bool = False) -> dict[str, Any]:
    data = tmp / f"scarbot-data-{n}"
    env = _env(SCARBOT_CORPUS_DIR=str(corpus), SCARBOT_DATA_DIR=str(data))
    if embedder == "hash":
        env["SCARBOT_EMBEDDING_MODEL"] = HASH_MODEL
    res: dict[str, Any] = {}
    print(f"  scarbot ingest from empty ({n} articles) ...", file=sys.stderr, flush=True)
    r = _timed([SCARBOT, "ingest", "--quiet"], env)
    res["chunks"] = _chunks_in(data)
    res["ingest"] = {k: v for k, v in r.items() if k != "stdout"}
    if "error" in r:
        return res
    if res["chunks"]:
        res["ingest"]["chunks_per_s"] = round(res["chunks"] / r["wall_s"], 1)
    print("  scarbot re-ingest, nothing changed ...", file=sys.stderr, flush=True)
    res["reingest_same"] = {k: v for k, v in _timed([SCARBOT, "ingest", "--quiet"], env).items() if k != "stdout"}
    edited = edit_one(corpus)
    print(f"  scarbot re-ingest after editing {edited} ...", file=sys.stderr, flush=True)
    res["reingest_edit"] = {k: v for k, v in _timed([SCARBOT, "ingest", "--quiet"], env).items() if k != "stdout"}
    print(f"  scarbot cold ask x{runs} ...", file=sys.stderr, flush=True)
    res["cold"] = _cold([SCARBOT, "ask", PRICE_QUESTION, "--json"], env, runs)
    print(f"  scarbot warm, {n_q} questions ...", file=sys.stderr, flush=True)
    res["warm"] = _warm("scarbot", env, n_q, "", embedder)
    if server:
        print(f"  scarbot cold ask x{runs} against a chroma server ...", file=sys.stderr, flush=True)
        res["server"] = _server_cold(data, env, runs)
    if rebuild:
        print("  scarbot ingest --rebuild ...", file=sys.stderr, flush=True)
        res["rebuild"] = {k: v for k, v in _timed([SCARBOT, "ingest", "--rebuild", "--quiet"], env).items()
                          if k != "stdout"}
    return res


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_cold(data: Path, env: dict[str, str], runs: int) -> dict[str, Any]:
    """Cold asks in server mode: a ``chroma run`` on 127.0.0.1 serves the Chroma folder that ingest
    wrote, and the asking process reads vectors from it (SCARBOT_CHROMA_URL), never from Chroma's files.
    The server is started and stopped here."""
    import subprocess
    import urllib.request

    exe = str(Path(PY).with_name("chroma"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(data / "chroma-server.log", "wb") as log:
        proc = subprocess.Popen([exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path",
                                 str(data / "chroma")], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    return {"error": "chroma run did not start: "
                            + (data / "chroma-server.log").read_text(errors="replace")[-300:]}
                time.sleep(0.2)
            res = _cold([SCARBOT, "ask", PRICE_QUESTION, "--json"], {**env, "SCARBOT_CHROMA_URL": url}, runs)
            res["server_rss_mib"] = _rss_of(proc.pid)
            return res
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _rss_of(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def bench_plain(tmp: Path, corpus: Path, n: int, embedder: str, runs: int, n_q: int, **_: bool) -> dict[str, Any]:
    persist = str(tmp / f"plain-{n}")
    env = _env()
    flags = ["--embedder", embedder]
    res: dict[str, Any] = {}
    print(f"  plain LangChain build ({n} articles) ...", file=sys.stderr, flush=True)
    r = _timed([PY, PLAIN, "build", "--persist", persist, "--corpus", str(corpus), *flags], env)
    res["ingest"] = {k: v for k, v in r.items() if k != "stdout"}
    if "error" in r:
        return res
    m = re.search(r"(\d+) chunks", r["stdout"])
    res["chunks"] = int(m.group(1)) if m else None
    if res["chunks"]:
        res["ingest"]["chunks_per_s"] = round(res["chunks"] / r["wall_s"], 1)
    print(f"  plain LangChain cold ask x{runs} ...", file=sys.stderr, flush=True)
    res["cold"] = _cold([PY, PLAIN, "ask", PRICE_QUESTION, "--persist", persist, "--json", *flags], env, runs)
    print(f"  plain LangChain warm, {n_q} questions ...", file=sys.stderr, flush=True)
    res["warm"] = _warm("langchain", env, n_q, persist, embedder)
    return res


# --------------------------------------------------------------------------- report


def _load_results(path: Path = RESULTS) -> list[dict[str, Any]]:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return []


def _get(row: dict[str, Any], *keys: str) -> Any:
    cur: Any = row
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            return None
        cur = cur[k]
    return cur


def _f(v: Any, digits: int = 1) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def render(rows: list[dict[str, Any]]) -> str:
    rows = sorted(rows, key=lambda r: (r["embedder"], r["articles"], r["system"] != "scarbot"))
    head = ("| system | embedder | articles (chunks) | ingest from empty | chunks/s | re-ingest, nothing changed "
            "| re-ingest, 1 file edited | peak RSS ingest | cold ask (median) | peak RSS ask | warm p50 / p95 "
            "| price answer: chars, citations (sources) | measured (UTC), load |")
    lines = [head, "|" + "|".join("---" for _ in range(13)) + "|"]
    for r in rows:
        err = next((v["error"] for v in r.values() if isinstance(v, dict) and "error" in v), None)
        cold = r.get("cold") or {}
        lines.append(
            f"| {r['system']} | {r['embedder']} | {r['articles']:,} ({_f(r.get('chunks'))}) "
            f"| {_f(_get(r, 'ingest', 'wall_s'))} s | {_f(_get(r, 'ingest', 'chunks_per_s'))} "
            f"| {_f(_get(r, 'reingest_same', 'wall_s'), 2) + ' s' if r.get('reingest_same') else '—'} "
            f"| {_f(_get(r, 'reingest_edit', 'wall_s'), 2) + ' s' if r.get('reingest_edit') else '—'} "
            f"| {_f(_get(r, 'ingest', 'rss_mib'), 0)} MiB | {_f(cold.get('wall_s'), 2)} s | {_f(cold.get('rss_mib'), 0)} MiB "
            f"| {_f(_get(r, 'warm', 'p50_ms'))} / {_f(_get(r, 'warm', 'p95_ms'))} ms "
            f"| {_f(cold.get('answer_chars'))}, {_f(cold.get('citations'))} ({_f(cold.get('cited_sources'))}) "
            f"| {str(r.get('when', '?'))[-9:-4]}, {str(r.get('load', '?')).split(' ')[0]} |"
            + (f" error: {' '.join(err.split())[:160]}" if err else "")
        )
    meta = sorted({f"{r.get('runs', '?')} cold run(s) and {r.get('questions', '?')} warm questions ({r['embedder']}, "
                   f"{r['articles']:,} articles)" for r in rows})
    extra = []
    for r in rows:
        srv, reb = r.get("server") or {}, r.get("rebuild") or {}
        if srv or reb:
            parts = []
            if srv:
                parts.append("server mode (`chroma run` on 127.0.0.1): " + (
                    f"error: {' '.join(srv['error'].split())[:160]}" if "error" in srv else
                    f"cold ask {_f(srv.get('wall_s'), 2)} s, asking process {_f(srv.get('rss_mib'), 0)} MiB, "
                    f"server {_f(srv.get('server_rss_mib'), 0)} MiB, price answer {_f(srv.get('answer_chars'))} "
                    f"chars from {_f(srv.get('cited_sources'))} source(s)"))
            if reb:
                parts.append("`ingest --rebuild` " + (f"error: {' '.join(reb['error'].split())[:160]}" if "error" in reb
                                                      else f"{_f(reb.get('wall_s'))} s, {_f(reb.get('rss_mib'), 0)} MiB"))
            extra.append(f"* {r['system']}, {r['embedder']}, {r['articles']:,} articles: " + "; ".join(parts) + ".")
    return "\n".join(lines) + "\n\nRuns: " + "; ".join(meta) + ".\n" + ("\n" + "\n".join(extra) + "\n" if extra else "")


SERIES = [  # (label, system, path in the row, colour, dash)
    ("scarbot ingest from empty", "scarbot", ("ingest", "wall_s"), "#1f77b4", ""),
    ("scarbot re-ingest, 1 file edited", "scarbot", ("reingest_edit", "wall_s"), "#17becf", ""),
    ("scarbot cold ask", "scarbot", ("cold", "wall_s"), "#d62728", ""),
    ("scarbot warm p95", "scarbot", ("warm", "p95_ms"), "#ff7f0e", ""),
    ("plain LangChain build", "plain LangChain", ("ingest", "wall_s"), "#1f77b4", "6,4"),
    ("plain LangChain cold ask", "plain LangChain", ("cold", "wall_s"), "#d62728", "6,4"),
    ("plain LangChain warm p95", "plain LangChain", ("warm", "p95_ms"), "#ff7f0e", "6,4"),
]


def svg_plot(rows: list[dict[str, Any]]) -> str:
    """A log-log plot (seconds against articles), one panel per embedder, written as plain SVG."""
    embedders = sorted({r["embedder"] for r in rows})
    pw, ph, ml, mr, mt, mb = 460, 360, 60, 20, 40, 50
    legend_h = 18 * len(SERIES) + 20
    width, height = pw * max(1, len(embedders)), ph + legend_h
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">', f'<rect width="{width}" height="{height}" fill="white"/>']
    for k, emb in enumerate(embedders):
        mine = [r for r in rows if r["embedder"] == emb]
        pts: dict[str, list[tuple[float, float]]] = {}
        for label, system, path, *_ in SERIES:
            for r in mine:
                v = _get(r, *path)
                if r["system"] == system and isinstance(v, (int, float)) and v > 0:
                    pts.setdefault(label, []).append((r["articles"], v / 1000 if path[-1].endswith("_ms") else v))
        xs = [r["articles"] for r in rows] or [1, 10]  # one x range for every panel
        ys = [y for p in pts.values() for _, y in p] or [0.01, 1]
        x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)) - 1e-9)
        y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)) + 1e-9)
        x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
        ox = k * pw

        def sx(x: float, ox: int = ox, x0: int = x0, x1: int = x1) -> float:
            return ox + ml + (math.log10(x) - x0) / (x1 - x0) * (pw - ml - mr)

        def sy(y: float, y0: int = y0, y1: int = y1) -> float:
            return mt + (1 - (math.log10(y) - y0) / (y1 - y0)) * (ph - mt - mb)

        out.append(f'<text x="{ox + pw / 2}" y="20" text-anchor="middle" font-size="13">'
                   f'seconds vs articles (log-log), embedder: {emb}</text>')
        for e in range(x0, x1 + 1):
            out.append(f'<line x1="{sx(10 ** e):.1f}" y1="{mt}" x2="{sx(10 ** e):.1f}" y2="{ph - mb}" stroke="#ddd"/>')
            out.append(f'<text x="{sx(10 ** e):.1f}" y="{ph - mb + 15}" text-anchor="middle">{10 ** e:,}</text>')
        for e in range(y0, y1 + 1):
            label = f"{10.0 ** e:g}"
            out.append(f'<line x1="{ox + ml}" y1="{sy(10 ** e):.1f}" x2="{ox + pw - mr}" y2="{sy(10 ** e):.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{ox + ml - 5}" y="{sy(10 ** e) + 4:.1f}" text-anchor="end">{label}</text>')
        out.append(f'<text x="{ox + pw / 2}" y="{ph - 12}" text-anchor="middle">articles</text>')
        out.append(f'<text x="{ox + 14}" y="{(mt + ph - mb) / 2}" transform="rotate(-90 {ox + 14} {(mt + ph - mb) / 2})" '
                   'text-anchor="middle">seconds</text>')
        for label, _s, _p, colour, dash in SERIES:
            p = sorted(pts.get(label, []))
            if not p:
                continue
            d = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for i, (x, y) in enumerate(p))
            out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"'
                       + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
            out += [f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>' for x, y in p]
    for i, (label, _s, _p, colour, dash) in enumerate(SERIES):
        y = ph + 10 + 18 * i
        out.append(f'<line x1="{ml}" y1="{y}" x2="{ml + 30}" y2="{y}" stroke="{colour}" stroke-width="2"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        out.append(f'<text x="{ml + 38}" y="{y + 4}">{label}{" (ms → s)" if "warm" in label else ""}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_report(rows: list[dict[str, Any]]) -> None:
    PLOT.write_text(svg_plot(rows), encoding="utf-8")
    intro = REPORT.read_text("utf-8").split("<!-- table -->")[0] if REPORT.exists() else (
        "# Cost against corpus size\n\nWritten by `benchmarks/scale.py` (see its docstring for what is measured).\n\n")
    REPORT.write_text(intro.rstrip() + "\n\n<!-- table -->\n" + render(rows) + "\n![cost against corpus size](scale.svg)\n",
                      encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="scarbot vs plain LangChain RAG against corpus size")
    ap.add_argument("--articles", type=int, nargs="+", default=[10, 100], help="corpus sizes (default 10 100)")
    ap.add_argument("--embedder", choices=["minilm", "hash"], default="minilm")
    ap.add_argument("--runs", type=int, default=3, help="cold runs per system (median reported)")
    ap.add_argument("--questions", type=int, default=50, help="warm questions")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--skip-langchain", action="store_true")
    ap.add_argument("--skip-scarbot", action="store_true")
    ap.add_argument("--server", action="store_true",
                    help="also cold-ask scarbot in server mode (a chroma run on 127.0.0.1, started and stopped here)")
    ap.add_argument("--rebuild", action="store_true", help="also time scarbot ingest --rebuild at the end")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temp folder)")
    ap.add_argument("--render", action="store_true", help="only rewrite SCALE.md and the plot from stored results")
    ap.add_argument("--results", type=Path, default=RESULTS, help=f"where rows are kept (default {RESULTS.name})")
    ap.add_argument("--merge", type=Path, nargs="*", default=[], help="add the rows of other results files first")
    ap.add_argument("--_warm", choices=["scarbot", "langchain"], help=argparse.SUPPRESS)
    ap.add_argument("--persist", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._warm:
        print(json.dumps(warm_child(args._warm, args.questions, args.persist, args.embedder)))
        return 0
    rows = _load_results(args.results)
    for extra in args.merge:
        for row in _load_results(extra):
            key = (row["system"], row["articles"], row["embedder"])
            rows = [r for r in rows if (r["system"], r["articles"], r["embedder"]) != key] + [row]
    if args.merge:
        args.results.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    if args.render:
        write_report(rows)
        return 0
    compile_sources()
    tmp_ctx = tempfile.TemporaryDirectory(prefix="scarbot-scale-") if args.keep is None else None
    tmp = Path(tmp_ctx.name) if tmp_ctx else args.keep
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        for n in args.articles:
            for system, fn, skip in (("scarbot", bench_scarbot, args.skip_scarbot),
                                     ("plain LangChain", bench_plain, args.skip_langchain)):
                if skip:
                    continue
                corpus = tmp / f"corpus-{n}-{system.split()[0]}"
                shutil.rmtree(corpus, ignore_errors=True)
                make_corpus(corpus, n, args.seed)
                print(f"{system}, {n} articles, embedder {args.embedder}:", file=sys.stderr, flush=True)
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                res = fn(tmp, corpus, n, args.embedder, args.runs, args.questions, server=args.server,
                         rebuild=args.rebuild)
                row = {"system": system, "articles": n, "embedder": args.embedder, "runs": args.runs,
                       "questions": args.questions, "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       "load": load, **res}
                rows = [r for r in rows if (r["system"], r["articles"], r["embedder"]) != (system, n, args.embedder)]
                rows.append(row)
                args.results.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
                if args.results == RESULTS:
                    write_report(rows)
                print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        if tmp_ctx:
            tmp_ctx.cleanup()
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
