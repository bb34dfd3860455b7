"""The real app in headless Chromium, as a patient uses it: examples, streamed cited answers, sources,
feedback, follow-ups, a price chart, and hostile input that must stay inert text.

Needs Debian's chromium (``apt-get install chromium``) and the ``playwright`` package; never run
``playwright install``. Skipped when the browser is missing, except under CI=true where that fails.
Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "test-output" / "screenshots"
INDEX_CACHE = REPO / "test-output" / "ui-index"
CHROMIUM = os.environ.get("SCARBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
READY = "scarbot is running at "
START_TIMEOUT_S = 600  # a first run builds the index (embeds the article) before serving


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepared_data_dir(dest: Path) -> Path:
    """A fresh data folder holding an up-to-date index and no feedback.

    The index is kept in test-output/ between runs and refreshed incrementally (ingest upserts by
    content hash, so an unchanged corpus costs no embedding), then copied: every test run starts from
    an empty feedback store without paying for a full build.
    """
    from scarbot.ingest import ingest
    from scarbot.settings import Settings

    ingest(Settings(data_dir=INDEX_CACHE), progress=False)
    shutil.copytree(INDEX_CACHE, dest, ignore=shutil.ignore_patterns("feedback.sqlite3*"))
    return dest


@contextlib.contextmanager
def running_app(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """``python app.py`` in a subprocess on a free 127.0.0.1 port; yields its URL once it serves."""
    port = free_port()
    env = {**os.environ, "SCARBOT_DATA_DIR": str(data_dir), "GRADIO_SERVER_PORT": str(port),
           "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    for key in ("SCARBOT_PORT", "SCARBOT_HOST", "GRADIO_SERVER_NAME"):
        env.pop(key, None)
    proc = subprocess.Popen([sys.executable, str(REPO / "app.py")], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: queue.Queue[str | None] = queue.Queue()
    log: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        while True:
            try:
                line = lines.get(timeout=START_TIMEOUT_S)
            except queue.Empty:
                pytest.fail(f"app did not start within {START_TIMEOUT_S}s:\n{''.join(log)}")
            if line is None:
                pytest.fail(f"app exited with {proc.wait()} before serving:\n{''.join(log)}")
            if line.startswith(READY):
                break
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def browser_or_skip():
    """Playwright's sync API, or a skip (a failure under CI) when it or the browser is missing."""
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci:
            pytest.fail("playwright is not installed (pip install playwright; do not run 'playwright install')")
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if in_ci:
            pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return sync_playwright


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    browser_or_skip()
    data = prepared_data_dir(tmp_path_factory.mktemp("ui-browser") / "data")
    with running_app(data) as url:
        yield url, data


@pytest.fixture()
def page(app_url):
    sync_playwright = browser_or_skip()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            pg = context.new_page()
            pg.set_default_timeout(60_000)
            pg.dialogs = []  # type: ignore[attr-defined]
            pg.outside_requests = []  # type: ignore[attr-defined]
            pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
            pg.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                  or pg.outside_requests.append(r.url))
            pg.goto(app_url[0])
            pg.locator("#scarbot-chat").wait_for()
            yield pg
        finally:
            browser.close()


def bot_messages(page):
    return page.locator('#scarbot-chat [data-testid="bot"]')


def ask(page, text: str) -> None:
    page.locator("#scarbot-input textarea").fill(text)
    page.locator("#scarbot-send").click()


def wait_for_sources(page, n: int) -> None:
    """Wait until the n-th reply has finished (its collapsible sources appear when streaming ends)."""
    page.locator("#scarbot-chat .thought .title").nth(n - 1).wait_for()


@pytest.mark.browser
@pytest.mark.slow
def test_patient_journey(page, app_url):
    from scarbot.feedback import FeedbackStore

    url, data_dir = app_url
    # First load: description, the not-medical-advice notice and clickable examples.
    notice = page.locator("#scarbot-notice")
    assert "not medical advice" in notice.inner_text()
    assert "one article" in notice.inner_text()
    examples = page.locator("#scarbot-chat button", has_text="Costs:")
    assert examples.count() >= 2
    page.screenshot(path=str(SHOTS / "01-first-load.png"), full_page=True)

    # An example question gets a cited answer; its sources are collapsed until opened.
    page.get_by_text("What are the main types of atrophic scars?").click()
    wait_for_sources(page, 1)
    answer = bot_messages(page).first.inner_text()
    assert "[1]" in answer and "icepick" in answer.lower()
    sources = page.locator("#scarbot-chat .thought").first
    assert "Sources (" in sources.inner_text()
    assert not sources.get_by_text("Types of Atrophic Scars").is_visible()
    sources.locator(".title").click()
    assert sources.get_by_text("Types of Atrophic Scars").is_visible()
    assert "three main types" in sources.inner_text()
    page.screenshot(path=str(SHOTS / "02-answer-with-sources.png"), full_page=True)

    # Thumbs up is stored with the question, answer and citations.
    page.locator('#scarbot-chat button[aria-label="Like"]').first.click()
    page.get_by_text("your feedback was saved").wait_for()
    (rec,) = list(FeedbackStore(data_dir / "feedback.sqlite3").records())
    assert rec.rating == "up" and rec.question == "What are the main types of atrophic scars?"
    assert "icepick" in rec.answer and rec.citations and rec.citations[0]["quote"]

    # A follow-up is resolved from the conversation, and the sources say how it was read.
    ask(page, "How much does microneedling cost in Korea?")
    wait_for_sources(page, 2)
    ask(page, "and in the USA?")
    wait_for_sources(page, 3)
    last = page.locator("#scarbot-chat .thought").nth(2)
    last.locator(".title").click()
    assert "Question understood as" in last.inner_text()
    assert "$500" in bot_messages(page).nth(-1).inner_text() or "$500" in page.locator(
        "#scarbot-chat").inner_text()
    page.screenshot(path=str(SHOTS / "03-follow-up.png"), full_page=True)

    # A price comparison draws the range chart, Korea highlighted, "-" cells as "no figure".
    ask(page, "Compare laser resurfacing prices across countries")
    chart = page.locator("#scarbot-chart svg")
    chart.first.wait_for()
    wait_for_sources(page, 4)
    svg = chart.first.inner_html()
    assert "South Korea" in svg and "no figure" in svg and "$0–" not in svg
    assert page.locator("#scarbot-chart g.korea").count() == 1
    page.screenshot(path=str(SHOTS / "04-price-chart.png"), full_page=True)

    assert page.dialogs == [] and page.outside_requests == []


@pytest.mark.browser
@pytest.mark.slow
def test_hostile_input_is_shown_as_text_and_never_runs(page):
    payloads = [
        "<img src=x onerror=alert(1)>",
        "<script>alert(2)</script>",
        "[click me](javascript:alert(3))",
    ]
    for i, text in enumerate(payloads, start=1):
        ask(page, text)
        # Each gets a reply (a refusal: the article does not cover it) before the next is sent.
        bot_messages(page).nth(i - 1).get_by_text("Not covered by the article").wait_for()
    chat = page.locator("#scarbot-chat")
    user_text = page.locator('#scarbot-chat [data-testid="user"]').all_inner_texts()
    assert [t.strip() for t in user_text] == payloads  # shown exactly as typed
    assert chat.locator("img").count() == 0
    assert chat.locator("script").count() == 0
    assert chat.locator('a[href^="javascript"]').count() == 0
    # Clicking the would-be link does nothing.
    chat.get_by_text("click me").click()
    page.screenshot(path=str(SHOTS / "05-hostile-input.png"), full_page=True)
    assert page.dialogs == []

    # Over-long input gets a clear message instead of an answer.
    ask(page, "why " * 600)
    chat.get_by_text("the limit is 2,000").wait_for()
    page.screenshot(path=str(SHOTS / "06-too-long.png"), full_page=True)
    assert page.dialogs == []
