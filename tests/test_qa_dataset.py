"""The QA set itself: it parses, follows evals/SCHEMA.md, meets the coverage the issue asks for, and
every evidence string really is in the article."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from scarbot.evaluation.dataset import load_dataset, parse_item

ROOT = Path(__file__).resolve().parents[1]
QA = ROOT / "evals" / "qa.jsonl"
CORPUS = ROOT / "corpus" / "atrophic-scar-treatment-korea.md"
SCHEMA_CATEGORIES = ("definition", "scar_types", "procedure", "clinic", "logistics", "cost_korea", "cost_table",
                     "comparison", "follow_up", "paraphrase", "multi_hop", "out_of_scope", "adversarial")


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    lines = [line for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for n, line in enumerate(lines, 1):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - the assertion message is the point
            pytest.fail(f"qa.jsonl line {n} is not JSON: {exc}")
    return out


def test_every_line_follows_the_schema(raw: list[dict]) -> None:
    for n, obj in enumerate(raw, 1):
        assert set(obj) == {"id", "category", "history", "question", "answerable", "expect_all", "evidence",
                            "forbid"}, f"line {n}"
        parse_item(obj)  # raises with the reason
        assert (obj["expect_all"] == []) == (obj["answerable"] is False), obj["id"]
        if not obj["answerable"]:
            assert obj["evidence"] == [], obj["id"]
        else:
            assert obj["evidence"], f"{obj['id']}: answerable items need evidence"
    assert len(load_dataset(QA)) == len(raw)


def test_ids_unique_and_prefixed_by_kind(raw: list[dict]) -> None:
    ids = [o["id"] for o in raw]
    assert len(ids) == len(set(ids)), [i for i, c in Counter(ids).items() if c > 1]
    assert all("-" in i and i.split("-")[-1].isdigit() for i in ids)


def test_coverage_meets_the_issue(raw: list[dict]) -> None:
    cats = Counter(o["category"] for o in raw)
    assert len(raw) >= 130
    for c in SCHEMA_CATEGORIES:
        assert cats[c] >= 6, f"{c}: {cats[c]}"
    assert cats["cost_table"] >= 22
    assert cats["follow_up"] >= 22
    assert cats["out_of_scope"] + cats["adversarial"] >= 22
    dash_cells = [o for o in raw if o["category"] == "cost_table" and not o["answerable"]]
    assert len(dash_cells) >= 6, "'-' cells of the comparison table must be asked about"
    history_lengths = {len(o["history"]) for o in raw if o["category"] == "follow_up"}
    assert {2, 4} <= history_lengths, "two- and three-turn conversations"
    for o in raw:
        if o["category"] == "follow_up":
            assert o["history"], o["id"]
            assert o["history"][0]["role"] == "user" and o["history"][-1]["role"] == "assistant", o["id"]
    questions = " ".join(o["question"].lower() for o in raw)
    for needle in ("ignore your instructions", "busan", "prompt", "pregnant", "lazer", "the states", "britain"):
        assert needle in questions, needle
    adv_answerable = [o for o in raw if o["category"] == "adversarial" and o["answerable"]]
    assert any("dermatologist" in g for o in adv_answerable for g in o["expect_all"]), "medical-advice items"


def test_forbid_never_contradicts_expectations(raw: list[dict]) -> None:
    """Each group must keep an alternative that no forbid string matches, or the item can never pass."""
    for o in raw:
        for group in o["expect_all"]:
            ok = [a for a in group if not any(f.lower() in a.lower() for f in o["forbid"])]
            assert ok, f"{o['id']}: group {group} is blocked by forbid {o['forbid']}"


def test_evidence_is_short_and_verbatim_in_the_corpus(raw: list[dict]) -> None:
    for o in raw:
        for e in o["evidence"]:
            assert 8 <= len(e) <= 80, f"{o['id']}: {e!r} is {len(e)} chars"
            assert "\n" not in e, o["id"]
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} does not exist yet; evidence not checked against the corpus")
    text = CORPUS.read_text(encoding="utf-8")
    missing = [(o["id"], e) for o in raw for e in o["evidence"] if e not in text]
    assert not missing, missing
