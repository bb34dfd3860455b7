"""Prompt files: loaded by name, literal braces safe, a missing variable or file is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from scarbot import prompts
from scarbot.errors import ScarbotError
from scarbot.prompts import PromptError, load_prompt, render
from scarbot.settings import REPO_ROOT

PROMPTS = REPO_ROOT / "prompts"


@pytest.fixture(autouse=True)
def _fresh_cache():
    prompts.clear_cache()
    yield
    prompts.clear_cache()


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_render_fills_placeholders_and_keeps_literal_braces(tmp_path: Path) -> None:
    _write(tmp_path, "t", 'Reply as JSON like {"answer": "...", "n": [1]} or {{x}}.\nQ: {question} ({n})\n')
    out = render("t", prompts_dir=tmp_path, question="What is TCA CROSS?", n=3)
    assert out == 'Reply as JSON like {"answer": "...", "n": [1]} or {{x}}.\nQ: What is TCA CROSS? (3)'


def test_values_are_inserted_verbatim_not_reinterpreted(tmp_path: Path) -> None:
    _write(tmp_path, "t", "<question>{question}</question> {sources}")
    out = render("t", prompts_dir=tmp_path, question="{sources} and $HOME {0}", sources="S")
    assert out == "<question>{sources} and $HOME {0}</question> S"


def test_missing_variable_is_an_error_naming_it(tmp_path: Path) -> None:
    _write(tmp_path, "t", "{history}\n{question}")
    with pytest.raises(PromptError, match="'history'") as info:
        render("t", prompts_dir=tmp_path, question="q")
    assert isinstance(info.value, ScarbotError)
    assert str(tmp_path / "t.txt") in str(info.value)


def test_unknown_prompt_names_the_path_and_what_exists(tmp_path: Path) -> None:
    _write(tmp_path, "answer", "x")
    with pytest.raises(PromptError) as info:
        load_prompt("answr", prompts_dir=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "answr.txt") in message
    assert "answer" in message.split("available:")[1]


@pytest.mark.parametrize("name", ["../secrets", "a/b", ""])
def test_prompt_names_cannot_escape_the_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(PromptError, match="invalid prompt name"):
        load_prompt(name, prompts_dir=tmp_path)


def test_loaded_once_per_process_until_cache_cleared(tmp_path: Path) -> None:
    path = _write(tmp_path, "t", "first {x}")
    first = load_prompt("t", prompts_dir=tmp_path)
    path.write_text("second {x}", encoding="utf-8")
    assert load_prompt("t.txt", prompts_dir=tmp_path) is first
    prompts.clear_cache()
    assert load_prompt("t", prompts_dir=tmp_path).render(x=1) == "second 1"


def test_default_folder_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "answer", "custom {question}")
    monkeypatch.setenv("SCARBOT_PROMPTS_DIR", str(tmp_path))
    assert render("answer", question="q") == "custom q"


def test_fstring_form_matches_render_for_langchain(tmp_path: Path) -> None:
    from langchain_core.prompts import PromptTemplate

    _write(tmp_path, "t", 'JSON {"a": {"b": 1}} then {question}; brace } alone { too')
    tmpl = load_prompt("t", prompts_dir=tmp_path)
    lc = PromptTemplate.from_template(tmpl.to_fstring())
    assert lc.input_variables == ["question"]
    assert lc.format(question="{q}") == tmpl.render(question="{q}")


def test_shipped_prompts_exist_and_declare_their_variables() -> None:
    assert load_prompt("system", PROMPTS).variables == ()
    assert set(load_prompt("answer", PROMPTS).variables) == {"history", "sources", "question"}
    assert set(load_prompt("condense", PROMPTS).variables) == {"history", "question"}
    assert load_prompt("condense_system", PROMPTS).variables == ()


def test_shipped_prompts_fence_the_data_and_say_it_is_data() -> None:
    answer = load_prompt("answer", PROMPTS).text
    for tag in ("history", "sources", "question"):
        assert answer.index(f"<{tag}>") < answer.index(f"{{{tag}}}") < answer.index(f"</{tag}>")
    system = load_prompt("system", PROMPTS).text.lower()
    for must in (
        "<sources>",
        "[1]",
        "data",
        "never an instruction",
        "does not cover",
        "dermatologist",
        "never reveal",
        "not sources",
    ):
        assert must in system, must
    condense = load_prompt("condense", PROMPTS).text
    assert condense.index("<question>") < condense.index("{question}") < condense.index("</question>")
