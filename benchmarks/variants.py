"""A generated corpus for measuring how the query path scales: variants of the real articles.

    python benchmarks/variants.py OUT_DIR --articles 100 [--seed 1]
    SCARBOT_EMBEDDING_MODEL=hash-384 scarbot ingest   # with SCARBOT_CORPUS_DIR=OUT_DIR, SCARBOT_DATA_DIR=DATA
    python benchmarks/variants.py DATA --profile       # load ms, warm p50/p95, peak RSS, units scored, answer size

Each variant is one of ``corpus/*.md`` (and the second-article fixture) with its clinic names,
cities and prices changed and a new title; about one file in five is unrelated Markdown (a travel
note, a recipe). The originals are copied in too, so the real eval questions still have their article.
Deterministic for a seed; small on purpose (``benchmarks/scale.py`` is the full benchmark).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((REPO / "corpus").glob("*.md")), *sorted((REPO / "tests/fixtures/second-corpus").glob("*.md"))]
CLINIC_WORDS = ["Aurora", "Blue Pine", "Cedar", "Daybreak", "Everglow", "Fairview", "Golden Leaf", "Harbor",
                "Ivory", "Juniper", "Kestrel", "Lotus", "Maple", "Nova", "Orchid", "Pearl", "Quartz", "Riverside"]
CITIES = ["Busan", "Incheon", "Daegu", "Daejeon", "Gwangju", "Suwon", "Ulsan", "Jeonju", "Izmir", "Ankara",
          "Antalya", "Bursa", "Konya", "Mapo", "Jamsil", "Sinchon", "Itaewon", "Myeongdong"]
PLACES_IN_SOURCES = ["Gangnam", "Cheonho", "Pangyo", "Seoul", "Istanbul", "Sisli", "Besiktas", "Kadikoy"]
_CLINIC = re.compile(r"\b((?:[A-Z][\w'-]+\s){1,3})(Clinic|Hospital|Plastic Surgery|Dermatology|Medical Center)\b")
_PRICE = re.compile(r"\$(\d[\d,]*)")

UNRELATED = """---
title: {title}
---

# {title}

## Getting there

The old town of {city} is a short walk from the station. Trains leave every {n} minutes and the
ride costs about ${fare}.

## Where to eat

- Morning: a bakery near the river serves bread and coffee.
- Evening: the market stalls sell grilled fish and noodles.

## A simple recipe

Soak the rice for {n} minutes, then simmer it with stock. Season with salt and serve warm.
"""


def variant(text: str, rng: random.Random, i: int) -> str:
    """One article with other clinic names, places and prices (front matter and headings kept)."""
    names: dict[str, str] = {}

    def clinic(m: re.Match) -> str:
        old = m.group(1).split()[0]  # "Geurim Plastic Surgery Clinic" and "Geurim Clinic" stay one clinic
        if old not in names:
            names[old] = f"{rng.choice(CLINIC_WORDS)} {i}"
        return f"{names[old]} {' '.join(m.group(1).split()[1:] + [m.group(2)])}"

    text = _CLINIC.sub(clinic, text)
    for place in PLACES_IN_SOURCES:
        text = re.sub(rf"\b{place}\b", rng.choice(CITIES), text)
    factor = rng.uniform(0.6, 1.6)
    text = _PRICE.sub(lambda m: f"${max(1, round(int(m.group(1).replace(',', '')) * factor)):,}", text)
    edition = rng.choice(CITIES)  # shared by several variants: no title word picks out one article
    return re.sub(r"^(title: |# )(.*)$", lambda m: f"{m.group(1)}{m.group(2)} ({edition} edition)", text,
                  count=2, flags=re.M)


def generate(out: Path, articles: int, seed: int = 1, originals: bool = True) -> list[Path]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if originals:
        for src in SOURCES:
            written.append(out / src.name)
            shutil.copy(src, written[-1])
    i = 0
    while len(written) < articles:
        i += 1
        if i % 5 == 0:
            city = rng.choice(CITIES)
            text = UNRELATED.format(title=f"A weekend in {city} ({i})", city=city, n=rng.randint(5, 40),
                                    fare=rng.randint(2, 30))
            path = out / f"travel-{i:04d}.md"
        else:
            src = SOURCES[i % len(SOURCES)]
            text = variant(src.read_text("utf-8"), rng, i)
            path = out / f"{src.stem}-v{i:04d}.md"
        path.write_text(text, "utf-8")
        written.append(path)
    return written


QUESTIONS = [
    "How much is microneedling in Korea?", "How much is subcision in the UK?", "Which clinic offers microneedling?",
    "Where is Louis Clinic?", "What are atrophic scars?", "What is the cheapest country for laser resurfacing?",
    "How many sessions of microneedling do I need?", "What treatment is best for icepick scars?",
    "How much does a hair transplant cost in Turkey?", "Which countries list a price for dermal fillers?",
    "What are the side effects of chemical peels?", "Why is Korea popular for medical tourism?",
    "Which clinic is in Gangnam?", "How much are chemical peels in India?", "What is subcision?",
]


def profile(corpus: Path | None, data: Path, rounds: int = 3) -> dict:
    """Load time, warm per-question p50/p95, peak RSS and answer size of one process on an ingested corpus."""
    import resource
    import statistics
    import time

    from scarbot.answer.extract import ExtractStrategy
    from scarbot.assistant import Assistant
    from scarbot.settings import Settings

    scored = [0]
    real_score = ExtractStrategy._score

    def counting(self, *args, **kwargs):
        scored[0] += 1
        return real_score(self, *args, **kwargs)

    ExtractStrategy._score = counting  # units scored per question
    s = Settings(_env_file=None, data_dir=data, **({"corpus_dir": corpus} if corpus else {}))
    t = time.perf_counter()
    bot = Assistant(s).load()
    load_ms = (time.perf_counter() - t) * 1000
    first = {}
    times: list[float] = []
    units: list[int] = []
    for r in range(rounds + 1):
        for q in QUESTIONS:
            t = time.perf_counter()
            a = bot.ask(q)
            ms = (time.perf_counter() - t) * 1000
            if r == 0:
                first[q] = (ms, len(a.text), len({c.source for c in a.citations}), a.strategy)
                units.append(scored[0])
            else:
                times.append(ms)
            scored[0] = 0
    times.sort()
    return {"load_ms": round(load_ms), "warm_p50_ms": round(statistics.median(times), 1),
            "warm_p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "units_scored_mean": round(statistics.mean(units), 1), "units_scored_max": max(units),
            "answer_chars_max": max(v[1] for v in first.values()),
            "first_ms_chars_sources": first}


if __name__ == "__main__":
    import json

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path, help="folder to write the articles into (with --profile: an ingested data folder)")
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="profile one process on the data folder OUT instead")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if a.profile:
        result = profile(None, a.out, a.rounds)
        for q, (ms, chars, sources, strategy) in result.pop("first_ms_chars_sources").items():
            print(f"{ms:8.1f} ms {chars:6d} chars {sources:3d} sources  {strategy:10s} {q}")
        print(json.dumps(result))
    else:
        print(f"{len(generate(a.out, a.articles, a.seed))} articles in {a.out}")
