"""The environment cannot break scarbot: invalid settings and API arguments are one clear line, loopback
requests bypass any proxy, and the server never opens a public tunnel."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scarbot.cli import main
from scarbot.environment import bypass_proxy_for_loopback
from scarbot.errors import InputError, SettingsError
from scarbot.settings import Settings

COMMANDS = [["ingest"], ["ask", "How much is microneedling?"], ["chat"], ["serve"],
            ["eval", "--dataset", "nowhere.jsonl"], ["feedback", "export"]]
INVALID = [
    ("SCARBOT_TOP_K", "abc", "a whole number from 1 to 20"),
    ("SCARBOT_TOP_K", "0", "a whole number from 1 to 20"),
    ("SCARBOT_FUSION", "magic", "one of rrf, convex"),
    ("SCARBOT_MAX_QUESTION_CHARS", "5", "a whole number of at least 10"),
    ("SCARBOT_HISTORY_TURNS", "1.5", "a whole number from 0 to 50"),
    ("SCARBOT_PORT", "http", "a whole number from 1 to 65535"),
]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("SCARBOT_"):
            monkeypatch.delenv(key, raising=False)
    for key in ("NO_PROXY", "no_proxy"):  # `serve` adds loopback to these; restore them afterwards
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SCARBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    return tmp_path


@pytest.mark.parametrize("var, value, allowed", INVALID, ids=[f"{v}={x}" for v, x, _ in INVALID])
def test_an_invalid_setting_is_one_line_naming_it(var, value, allowed, monkeypatch, clean_env):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as err:
        Settings()
    assert str(err.value) == f"invalid setting {var}={value!r}: it must be {allowed}"


@pytest.mark.parametrize("args", COMMANDS, ids=[a[0] if a[0] != "feedback" else "feedback-export" for a in COMMANDS])
def test_every_command_reports_an_invalid_setting_in_one_line(args, monkeypatch, clean_env):
    monkeypatch.setenv("SCARBOT_TOP_K", "abc")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert result.output == "Error: invalid setting SCARBOT_TOP_K='abc': it must be a whole number from 1 to 20\n"
    assert isinstance(result.exception, SystemExit)  # click's clean exit, not a crash


def test_a_bad_line_in_dot_env_is_named_too(clean_env):
    (clean_env / ".env").write_text("SCARBOT_FUSION=magic\n", "utf-8")
    result = CliRunner().invoke(main, ["ask", "How much is microneedling?"])
    assert result.exit_code == 1
    assert result.output == "Error: invalid setting SCARBOT_FUSION='magic': it must be one of rrf, convex\n"


def test_several_invalid_settings_one_line_each(monkeypatch, clean_env):
    monkeypatch.setenv("SCARBOT_TOP_K", "abc")
    monkeypatch.setenv("SCARBOT_PORT", "-1")
    with pytest.raises(SettingsError) as err:
        Settings()
    assert str(err.value).splitlines() == [
        "invalid setting SCARBOT_TOP_K='abc': it must be a whole number from 1 to 20",
        "invalid setting SCARBOT_PORT='-1': it must be a whole number from 1 to 65535",
    ]


def test_an_empty_variable_means_the_default(monkeypatch, clean_env):
    monkeypatch.setenv("SCARBOT_LLM", "")
    monkeypatch.setenv("SCARBOT_TOP_K", "")
    s = Settings()
    assert (s.llm, s.top_k) == ("none", 4)


def test_sources_in_order_of_precedence(monkeypatch, clean_env):
    """Keyword arguments, then the environment (any case), then .env (quotes, export, comments), then defaults."""
    (clean_env / ".env").write_text("# a comment\nexport SCARBOT_TOP_K=7\nSCARBOT_LLM='ollama:tiny'  # inline\n"
                                    "SCARBOT_COLLECTION=\"from dot env\"\nOTHER=1\n", "utf-8")
    s = Settings()
    assert (s.top_k, s.llm, s.collection, s.fusion, s.port) == (7, "ollama:tiny", "from dot env", "convex", 7860)
    monkeypatch.setenv("scarbot_collection", "from env")
    monkeypatch.setenv("SCARBOT_PORT", " 8123 ")
    s = Settings()
    assert (s.collection, s.port, s.top_k) == ("from env", 8123, 7)
    s = Settings(collection="from kwargs", data_dir=clean_env / "x", unknown="ignored")
    assert (s.collection, s.data_dir, s.chroma_dir) == ("from kwargs", clean_env / "x", clean_env / "x" / "chroma")
    assert {"collection", "data_dir", "port", "top_k", "llm"} <= s.model_fields_set
    assert "host" not in s.model_fields_set
    assert Settings(_env_file=None).top_k == 4  # .env not read
    copy = s.model_copy(update={"chroma_url": "http://127.0.0.1:1"})
    assert (copy.chroma_url, s.chroma_url, copy.collection) == ("http://127.0.0.1:1", None, "from kwargs")
    assert copy != s and s == s.model_copy()


def test_reading_settings_imports_no_pydantic(clean_env):
    """A cold `scarbot ask` pays for no model library to read fourteen values (about 15 MiB and 0.3 s)."""
    code = ("import sys; from scarbot.settings import Settings; Settings(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_settings')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=clean_env)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr


def test_a_real_process_prints_no_traceback(monkeypatch, clean_env):
    from test_ingest import _scarbot

    import scarbot

    src = str(Path(scarbot.__file__).resolve().parents[1])  # this checkout, whatever the cwd
    env = {**os.environ, "SCARBOT_TOP_K": "abc", "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([_scarbot(), "ask", "How much is microneedling?"], env=env, capture_output=True, text=True,
                         timeout=120, cwd=clean_env)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == "Error: invalid setting SCARBOT_TOP_K='abc': it must be a whole number from 1 to 20\n"


# --------------------------------------------------------------------------- API arguments


@pytest.mark.parametrize("k", ["3", 0, 21, -1, 2.0, True, [3]])
def test_ask_refuses_a_k_that_is_not_a_whole_number_in_range(assistant, k):
    with pytest.raises(InputError) as err:
        assistant.ask("How much is microneedling in Korea?", k=k)
    assert str(err.value) == ("k must be a whole number from 1 to 20 (or None for the configured SCARBOT_TOP_K), "
                              f"not {k!r}")


def test_ask_accepts_any_integer_k_in_range(assistant):
    import numpy as np

    for k in (1, 20, np.int64(3)):
        assert assistant.ask("How much is microneedling in Korea?", k=k).citations


def test_history_that_is_not_a_list_is_refused(assistant):
    with pytest.raises(InputError, match="history must be a list"):
        assistant.ask("and in the UK?", {"role": "user", "content": "hi"})


# --------------------------------------------------------------------------- proxies and sharing


def test_loopback_is_added_to_no_proxy_keeping_what_was_there(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "internal.example, 10.0.0.0/8")
    monkeypatch.delenv("no_proxy", raising=False)
    bypass_proxy_for_loopback("192.168.1.20")
    assert os.environ["NO_PROXY"] == "internal.example,10.0.0.0/8,127.0.0.1,localhost,::1,0.0.0.0,192.168.1.20"
    assert os.environ["no_proxy"] == "127.0.0.1,localhost,::1,0.0.0.0,192.168.1.20"
    bypass_proxy_for_loopback("192.168.1.20")  # idempotent
    assert os.environ["no_proxy"] == "127.0.0.1,localhost,::1,0.0.0.0,192.168.1.20"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_server_starts_behind_a_dead_proxy_and_never_shares(monkeypatch, tmp_path):
    """A proxy that refuses every connection, and GRADIO_SHARE=True: the server still starts, answers on
    127.0.0.1, and opens no tunnel."""
    import httpx
    from test_ui import ScriptedAssistant

    from scarbot.ui import build_app, serve

    dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(key, dead)
    for key in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GRADIO_SHARE", "True")
    demo = build_app(ScriptedAssistant(), Settings(_env_file=None, data_dir=tmp_path))
    port = _free_port()
    serve(demo, "127.0.0.1", port, block=False)
    try:
        assert demo.share is False and demo.share_url is None
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200  # through no proxy
    finally:
        demo.close()
