"""Cost per message for adversarial shapes: every message up to the length limit should answer in
under 1 s and under 50 MiB of extra memory.

    .venv/bin/python benchmarks/adversarial.py

Prints, per shape, the wall time of ``Assistant.ask`` (warm) and the growth of peak RSS while
answering it. Uses the index in SCARBOT_DATA_DIR (run ``scarbot ingest`` first).
"""

from __future__ import annotations

import resource
import sys
import time

LIMIT = 2000


def shapes() -> dict[str, str]:
    def fill(unit: str) -> str:
        return (unit * (LIMIT // len(unit) + 1))[: LIMIT - 1]

    return {
        "one question": "How much is microneedling in India?",
        "repeated question (x60)": "What about the UK? " * 60,
        "repeated question (to limit)": fill("What about the UK? "),
        "long made-up word": "x" * (LIMIT - 1),
        "two long words": "q" * 990 + " " + "z" * 990,
        "long known word repeated": fill("laser "),
        "many entities": fill("microneedling laser subcision fillers peels India UK USA Turkey Thailand "),
        "many questions": fill("How much is laser in India? Where is Louis Clinic? "),
        "punctuation storm": fill("?!.,;:-"),
        "digits": fill("123456789 "),
        "odd unicode": fill("𝓢𝓬𝓪𝓻 ́ ‮ ﷽ "),
    }


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    from scarbot.assistant import Assistant
    from scarbot.errors import InputError

    bot = Assistant.from_settings()
    bot.ask("warm up: how much is laser in Korea?")
    print(f"{'shape':<32} {'chars':>6} {'seconds':>8} {'peak +MiB':>9}  result")
    worst = 0.0
    for name, text in shapes().items():
        before = peak_mib()
        t = time.perf_counter()
        try:
            ans = bot.ask(text)
            result = f"{ans.strategy or '-'}{' (abstained)' if ans.abstained else ''}"
        except InputError as exc:
            result = f"InputError: {str(exc)[:40]}"
        dt = time.perf_counter() - t
        worst = max(worst, dt)
        print(f"{name:<32} {len(text):>6} {dt:>8.3f} {peak_mib() - before:>9.1f}  {result}")
    print(f"worst: {worst:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
