"""Calibration curves on a QA set: the refusal threshold, and RRF versus a convex score mix.

    .venv/bin/python benchmarks/calibrate.py [--dataset evals/qa.jsonl]

Prints, for each sentence-score threshold, refusal accuracy on unanswerable items, false
refusals on answerable ones and the answer pass rate; then the headline retrieval and answer
metrics for both fusion methods. Uses the index in SCARBOT_DATA_DIR (run `scarbot ingest` first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    from scarbot.assistant import Assistant
    from scarbot.evaluation.dataset import load_dataset
    from scarbot.evaluation.runner import run_eval
    from scarbot.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default=str(REPO / "evals" / "qa.jsonl"))
    ap.add_argument("--k", type=int, default=4)
    args = ap.parse_args()
    items = load_dataset(args.dataset)
    corpus = "\n".join(p.read_text("utf-8") for p in sorted((REPO / "corpus").glob("*.md")))

    bot = Assistant(Settings()).load()
    default = bot.answerer.score_threshold
    print(f"refusal threshold curve (sentence score; default {default}):")
    print(f"{'threshold':>9} {'refusal acc':>11} {'false refusals':>14} {'answer pass':>11} {'pass':>6}")
    for t in (0.30, 0.35, 0.40, 0.42, 0.44, 0.46, 0.50, 0.55, 0.60, 0.70):
        bot.answerer.score_threshold = t
        _, s = run_eval(bot, items, args.k, corpus)
        o = s["overall"]
        print(f"{t:>9.2f} {o['refusal_accuracy'] or 0:>11.3f} {o['false_refusals']:>14} "
              f"{o['answer_pass_rate'] or 0:>11.3f} {o['pass_rate']:>6.3f}")
    bot.answerer.score_threshold = default

    print("\nfusion:")
    print(f"{'method':>8} {'hit@1':>6} {'hit@k':>6} {'MRR':>6} {'nDCG':>6} {'pass':>6}")
    for method in ("rrf", "convex"):
        bot.retriever.fusion = method
        _, s = run_eval(bot, items, args.k, corpus)
        o = s["overall"]
        print(f"{method:>8} {o['hit_at_1']:>6.3f} {o['hit_at_k']:>6.3f} {o['mrr']:>6.3f} {o['ndcg_at_k']:>6.3f} "
              f"{o['pass_rate']:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
