"""Calibration curves on the DEV split: the two refusal thresholds of ``scarbot/answer/weights.py``,
and RRF versus a convex score mix.

    .venv/bin/python benchmarks/calibrate.py [--dataset evals/qa.jsonl]

Prints, for each value of the extraction refusal threshold (``ANSWER_SCORE``) and of the coverage
threshold (``UNBOUND_SIMILARITY``: below it, a question word the article never uses makes the
reply an honest "the article does not mention X"), refusal accuracy on unanswerable items, false
refusals on answerable ones and the answer pass rate; then the headline retrieval and answer
metrics for both fusion methods. Uses the index in SCARBOT_DATA_DIR (run `scarbot ingest` first).
Sealed test splits (evals/test*.jsonl) are refused: weights are never tuned on them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    from scarbot.answer import weights as W
    from scarbot.assistant import Assistant
    from scarbot.evaluation.dataset import load_dataset
    from scarbot.evaluation.runner import run_eval
    from scarbot.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default=str(REPO / "evals" / "qa.jsonl"))
    ap.add_argument("--k", type=int, default=4)
    args = ap.parse_args()
    if Path(args.dataset).name.startswith("test"):
        print("refusing to calibrate on a sealed test split; use the dev split (evals/qa.jsonl)", file=sys.stderr)
        return 2
    items = load_dataset(args.dataset)
    corpus = "\n".join(p.read_text("utf-8") for p in sorted((REPO / "corpus").glob("*.md")))

    bot = Assistant(Settings()).load()
    extract = next(s for s in bot.answerer.strategies if s.name == "extract")

    def curve(name: str, values: tuple[float, ...], setter) -> None:
        print(f"\n{name}:")
        print(f"{'threshold':>9} {'refusal acc':>11} {'false refusals':>14} {'answer pass':>11} {'pass':>6}")
        for t in values:
            setter(t)
            _, s = run_eval(bot, items, args.k, corpus)
            o = s["overall"]
            print(f"{t:>9.2f} {o['refusal_accuracy'] or 0:>11.3f} {o['false_refusals']:>14} "
                  f"{o['answer_pass_rate'] or 0:>11.3f} {o['pass_rate']:>6.3f}")

    curve(f"extraction refusal threshold (ANSWER_SCORE, default {W.ANSWER_SCORE})",
          (0.30, 0.35, 0.40, 0.44, 0.50, 0.55, 0.60), lambda t: setattr(extract, "score_threshold", t))
    extract.score_threshold = W.ANSWER_SCORE
    default = W.UNBOUND_SIMILARITY
    curve(f"coverage threshold (UNBOUND_SIMILARITY, default {default})",
          (0.0, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 1.01), lambda t: setattr(W, "UNBOUND_SIMILARITY", t))
    W.UNBOUND_SIMILARITY = default

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
