"""`scarbot ingest` / `scarbot ask` as a support-staff script would use them (click's CliRunner)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scarbot.cli import main

REPO = Path(__file__).resolve().parents[1]
CONTRACT = {"answer", "abstained", "standalone_question", "citations", "contexts", "timings_ms"}
SUMMARY = re.compile(
    r"^48 added, 0 updated, 0 removed, 0 unchanged — 48 chunks \(38 section, 10 table row\) in \d+\.\ds$")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    """One hash-64 index for the ask tests, built through the CLI itself."""
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(REPO / "corpus", root / "corpus")
    env = {"SCARBOT_DATA_DIR": str(root / "data"), "SCARBOT_CORPUS_DIR": str(root / "corpus"),
           "SCARBOT_EMBEDDING_MODEL": "hash-64"}
    result = CliRunner().invoke(main, ["ingest", "--quiet"], env=env)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """Invoke `scarbot ...` with SCARBOT_* from `data`/`corpus`, run in an empty folder (no .env)."""
    monkeypatch.chdir(tmp_path)
    for key in ("SCARBOT_LLM", "SCARBOT_CHROMA_URL", "SCARBOT_TOP_K", "SCARBOT_MAX_QUESTION_CHARS"):
        monkeypatch.delenv(key, raising=False)

    def invoke(args: list[str], root: Path):
        env = {"SCARBOT_DATA_DIR": str(root / "data"), "SCARBOT_CORPUS_DIR": str(root / "corpus"),
               "SCARBOT_EMBEDDING_MODEL": "hash-64"}
        return CliRunner().invoke(main, args, env=env)

    return invoke


def test_ingest_prints_the_summary_line(cli, tmp_path):
    shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    first = cli(["ingest"], tmp_path)
    assert first.exit_code == 0, first.output
    assert SUMMARY.match(first.stdout.strip()), first.stdout
    second = cli(["ingest"], tmp_path)
    assert second.exit_code == 0
    assert second.stdout.startswith("0 added, 0 updated, 0 removed, 48 unchanged — 48 chunks")
    assert second.stdout.strip().endswith("(index already up to date; nothing written)")


def test_ingest_bad_corpus_is_a_clean_error(cli, tmp_path):
    shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    (tmp_path / "corpus" / "empty.md").write_text("", "utf-8")
    r = cli(["ingest"], tmp_path)
    assert r.exit_code == 1
    assert "Error: empty.md: the file is empty" in r.output
    assert "Traceback" not in r.output


def test_ask_json_prints_the_contract(cli, indexed):
    r = cli(["ask", "--json", "How much does microneedling cost in Australia?"], indexed)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    # the six contract fields, plus the chart rows and the strategy/steps Answer.to_dict() documents
    assert set(data) == CONTRACT | {"prices", "strategy", "steps"}
    assert data["abstained"] is False
    assert "$400 - $530 (with PRP)" in data["answer"] and "[1]" in data["answer"]
    assert data["standalone_question"] == "How much does microneedling cost in Australia?"
    assert data["citations"] and all(set(c) == {"n", "chunk_id", "section", "quote", "source", "quote_display"}
                                     for c in data["citations"])
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))
    assert data["citations"][0]["quote"].startswith("| Microneedling |")
    assert data["citations"][0]["source"] == "atrophic-scar-treatment-korea.md"
    assert 1 <= len(data["contexts"]) <= 4
    for c in data["contexts"]:
        assert {"chunk_id", "section", "text", "score"} <= set(c)
        assert isinstance(c["score"], float) and c["text"]
    assert {c["chunk_id"] for c in data["citations"]} <= {c["chunk_id"] for c in data["contexts"]}
    timings = data["timings_ms"]
    assert set(timings) == {"load", "condense", "retrieve", "answer", "cite", "other", "total"}
    assert all(v >= 0 for v in timings.values())
    # the parts add up: what no step accounts for is named "other", not lost
    assert sum(v for k, v in timings.items() if k != "total") == pytest.approx(timings["total"], abs=0.02)
    assert timings["load"] > timings["retrieve"]  # a cold process: loading the index is most of it


def test_ask_json_labels_table_quotes_with_their_columns(cli, indexed):
    r = cli(["ask", "--json", "How much does subcision cost in the UK?"], indexed)
    assert r.exit_code == 0, r.output
    (row,) = [c for c in json.loads(r.stdout)["citations"] if c["quote"].startswith("| Subcision |")]
    # the verbatim row stays for verification; the display form names every column it quotes
    assert row["quote"] == "| Subcision | ~$454 - $543 (with combos) | - | - | - | $127 - $158 | - | - | - | ~$1,890 |"
    assert row["quote_display"] == ("Subcision — South Korea: ~$454–$543 (with combos) · India: $127–$158 · "
                                    "UK: ~$1,890 · no figure: USA, Australia, Canada, Singapore, Thailand, Turkey")


def test_ask_prints_answer_and_sources(cli, indexed):
    r = cli(["ask", "Where is Louis Clinic located?"], indexed)
    assert r.exit_code == 0, r.output
    assert "Pangyo" in r.stdout
    assert "\nSources (answered from the article's clinic listings):\n  [1] " in r.stdout


def test_ask_shows_table_quotes_with_their_column_headers(cli, indexed):
    r = cli(["ask", "How much does subcision cost in the UK?"], indexed)
    assert r.exit_code == 0, r.output
    assert "UK: ~$1,890" in r.stdout and "India: $127–$158" in r.stdout
    assert "| - |" not in r.stdout  # no raw pipe rows in front of a person


def test_ask_plain_is_just_the_answer_for_pasting(cli, indexed):
    full = cli(["ask", "How much does microneedling cost in Australia?"], indexed)
    r = cli(["ask", "--plain", "How much does microneedling cost in Australia?"], indexed)
    assert r.exit_code == 0, r.output
    assert "$400 - $530 (with PRP)" in r.stdout
    assert not re.search(r"\[\d+\]", r.stdout) and "Sources" not in r.stdout
    assert " ." not in r.stdout  # no space left where a marker was
    first_sentence = full.stdout.split(" [1]")[0]
    assert r.stdout.startswith(first_sentence)


def test_ask_json_and_plain_are_alternatives(cli, indexed):
    r = cli(["ask", "--json", "--plain", "How much is microneedling?"], indexed)
    assert r.exit_code == 2 and "choose one" in r.output


@pytest.mark.parametrize("flags", [[], ["--plain"], ["--json"]], ids=["text", "plain", "json"])
def test_an_abstained_answer_exits_3(cli, indexed, flags):
    r = cli(["ask", *flags, "Is botox covered by insurance?"], indexed)
    assert r.exit_code == 3, r.output
    assert "does not" in r.stdout  # the reply still says why
    if flags == ["--json"]:
        assert json.loads(r.stdout)["abstained"] is True
    answered = cli(["ask", *flags, "Where is Louis Clinic located?"], indexed)
    assert answered.exit_code == 0


def test_chat_with_sources_prints_each_answer_once(cli, indexed):
    env = {"SCARBOT_DATA_DIR": str(indexed / "data"), "SCARBOT_CORPUS_DIR": str(indexed / "corpus"),
           "SCARBOT_EMBEDDING_MODEL": "hash-64"}
    r = CliRunner().invoke(main, ["chat", "--sources"], env=env,
                           input="Where is Louis Clinic located?\n/sources\n/quit\n")
    assert r.exit_code == 0, r.output
    answer = r.stdout.split("scarbot> ", 1)[1].splitlines()[0]
    assert "Pangyo" in answer
    assert r.stdout.count(answer) == 1
    # once after the answer, once more for /sources
    assert r.stdout.count("Sources (answered from") == 2


def test_ask_without_an_index_names_scarbot_ingest(cli, tmp_path):
    r = cli(["ask", "How much is microneedling?"], tmp_path)
    assert r.exit_code == 1
    assert "run 'scarbot ingest'" in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize(
    "question, message",
    [("", "the question is empty"), ("   ", "the question is empty"),
     ("x" * 10_000, "the question is too long (10,000 characters; the limit is 2,000)")],
    ids=["empty", "blank", "10k-chars"],
)
def test_ask_rejects_unusable_questions(cli, indexed, question, message):
    r = cli(["ask", "--json", question], indexed)
    assert r.exit_code == 1
    assert message in r.output
    assert r.stdout == "" or not r.stdout.lstrip().startswith("{")


def test_history_turns_a_follow_up_into_a_standalone_question(cli, indexed, tmp_path):
    history = tmp_path / "history.json"
    history.write_text(json.dumps([
        {"role": "user", "content": "How much does microneedling cost in Korea?"},
        {"role": "assistant", "content": "Microneedling in South Korea: $225–$600 per session [1]."},
    ]), "utf-8")
    alone = json.loads(cli(["ask", "--json", "What about in Australia?"], indexed).stdout)
    r = cli(["ask", "--json", "--history", str(history), "What about in Australia?"], indexed)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert alone["standalone_question"] == "What about in Australia?"
    assert data["standalone_question"] != alone["standalone_question"]
    assert "microneedling" in data["standalone_question"].lower()
    assert "australia" in data["standalone_question"].lower()
    assert "$400 - $530" in data["answer"]


@pytest.mark.parametrize(
    "content, message",
    [("[{\"role\": \"user\"", "cannot read history file"),
     ("{\"role\": \"user\", \"content\": \"hi\"}", "history must be a JSON list of"),
     ("[{\"speaker\": \"user\", \"text\": \"hi\"}]", "history must be a JSON list of")],
    ids=["not-json", "not-a-list", "wrong-keys"],
)
def test_malformed_history_file_is_a_clear_error(cli, indexed, tmp_path, content, message):
    history = tmp_path / "history.json"
    history.write_text(content, "utf-8")
    r = cli(["ask", "--history", str(history), "What about in Australia?"], indexed)
    assert r.exit_code == 1
    assert message in r.output and "Traceback" not in r.output


def test_missing_history_file_is_a_clear_error(cli, indexed, tmp_path):
    r = cli(["ask", "--history", str(tmp_path / "nope.json"), "What about in Australia?"], indexed)
    assert r.exit_code != 0
    assert "nope.json" in r.output and "Traceback" not in r.output


def test_eval_on_a_fresh_data_folder_builds_the_index_first(tmp_path, monkeypatch):
    """`scarbot eval` on a fresh clone must not score an empty index as all failures."""
    import json as _json

    from click.testing import CliRunner

    from scarbot.cli import main

    monkeypatch.setenv("SCARBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCARBOT_EMBEDDING_MODEL", "hash-64")
    item = {"id": "t1", "category": "cost_table", "history": [], "question": "How much is microneedling in India?",
            "answerable": True, "expect_all": [["$120"], ["$300"]], "evidence": ["$120 - $300"], "forbid": []}
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text(_json.dumps(item) + "\n", "utf-8")
    result = CliRunner().invoke(main, ["eval", "--dataset", str(dataset), "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "index" / "manifest.json").exists()
    summary = _json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert summary["overall"]["answer_pass_rate"] == 1.0
