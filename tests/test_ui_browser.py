"""The real app in headless Chromium, as a patient uses it, at a desktop (1366×900) and a phone (390×844)
viewport: examples, streamed cited answers with [n] chips, sources inside the answer, a price chart
inside its answer, follow-up chips, copy, feedback with a reason, a reload that keeps the conversation,
and hostile input that must stay inert text.

Needs Debian's chromium (``apt-get install chromium``) and the ``playwright`` package; never run
``playwright install``. Skipped when the browser is missing, except under CI=true where that fails.
Screenshots go to test-output/screenshots/; measured figures (load time, heights) to
test-output/ui-figures.json.
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


DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
FIGURES = REPO / "test-output" / "ui-figures.json"


def record(name: str, value) -> None:
    """Keep a measured figure for the report (test-output/ui-figures.json)."""
    import json

    data = json.loads(FIGURES.read_text("utf-8")) if FIGURES.exists() else {}
    data[name] = value
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(data, indent=1, sort_keys=True), "utf-8")


@pytest.fixture()
def browser():
    sync_playwright = browser_or_skip()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(browser, url: str, viewport: dict, *, phone: bool = False):
    """A fresh browser profile (empty storage) on the app, with dialogs and outside requests recorded."""
    import time

    context = browser.new_context(viewport=viewport, permissions=["clipboard-read", "clipboard-write"],
                                  is_mobile=phone, has_touch=phone, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.outside_requests = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
          or pg.outside_requests.append(r.url))
    t0 = time.perf_counter()
    pg.goto(url)
    pg.locator("#scarbot-chat").wait_for()
    pg.load_seconds = time.perf_counter() - t0  # type: ignore[attr-defined]
    pg.wait_for_timeout(300)  # let chat.js settle (focus, notice)
    return pg


@pytest.fixture()
def page(browser, app_url):
    pg = open_page(browser, app_url[0], DESKTOP)
    yield pg
    pg.context.close()


@pytest.fixture()
def phone(browser, app_url):
    pg = open_page(browser, app_url[0], PHONE, phone=True)
    yield pg
    pg.context.close()


def bot_messages(page):
    return page.locator('#scarbot-chat [data-testid="bot"]')


def ask(page, text: str) -> None:
    page.locator("#scarbot-input textarea").fill(text)
    page.locator("#scarbot-send").click()


def wait_for_answer(page, n: int) -> None:
    """Wait until the n-th reply has finished (a finished reply carries its sources panel or is a note)."""
    page.wait_for_function(
        """n => { const m = document.querySelectorAll('#scarbot-chat [data-testid="bot"]')[n - 1];
                  return !!m && !!m.querySelector('.scarbot-sources, .scarbot-error, blockquote'); }""", arg=n)


def wait_for_followups(page) -> list[str]:
    page.locator("#scarbot-chat button.option").first.wait_for()
    return page.locator("#scarbot-chat button.option").all_inner_texts()


def scroll_boxes(page) -> list[str]:
    """Elements that scroll on their own (a scroll inside the page's scroll), text inputs aside."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
        if (e.matches('textarea, input')) return false;
        const s = getComputedStyle(e);
        return /(auto|scroll)/.test(s.overflowY) && e.scrollHeight > e.clientHeight + 2;
      }).map(e => e.tagName + '.' + e.className)""")


def sticking_out(page) -> list[str]:
    """Elements of the conversation wider than it (a bubble, chart or quote cut off at the side)."""
    return page.evaluate("""() => { const c = document.querySelector('#scarbot-chat').getBoundingClientRect();
        return [...document.querySelectorAll('#scarbot-chat *')].filter(e => {
          const r = e.getBoundingClientRect();
          return r.width > 0 && (r.left < c.left - 1 || r.right > c.right + 1) && !e.closest('.scarbot-pop');
        }).map(e => e.tagName + '.' + e.className); }""")


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def inside(inner, outer) -> bool:
    """Whether ``inner`` lies wholly within ``outer`` (both measured at the same instant)."""
    return inner.evaluate("""(e, o) => { const a = e.getBoundingClientRect(), b = o.getBoundingClientRect();
        return a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1; }""",
                          outer.element_handle())


def box(locator) -> dict:
    b = locator.bounding_box()
    assert b is not None
    return b


@pytest.mark.browser
@pytest.mark.slow
def test_patient_journey_desktop(page, app_url):
    from scarbot.feedback import FeedbackStore

    url, data_dir = app_url
    record("desktop_first_load_s", round(page.load_seconds, 2))
    # First load: description, the not-medical-advice notice and clickable examples.
    notice = page.locator("#scarbot-notice")
    assert "not medical advice" in notice.inner_text() and "one article" in notice.inner_text()
    examples = page.locator("#scarbot-chat button", has_text="Costs:")
    assert examples.count() >= 2
    assert page.evaluate("document.activeElement.closest('#scarbot-input') !== null")  # ready to type
    assert page.evaluate("window.scrollY") == 0
    page.screenshot(path=str(SHOTS / "desktop-01-first-load.png"))

    # An example question gets a cited answer; [n] is a chip that shows its quote and section.
    page.get_by_text("What are the main types of atrophic scars?").click()
    wait_for_answer(page, 1)
    answer = bot_messages(page).first
    assert "[1]" in answer.inner_text() and "icepick" in answer.inner_text().lower()
    chip = answer.locator(".scarbot-cite").first
    pop = chip.locator(".scarbot-pop")
    assert not pop.is_visible()
    chip.hover()
    assert pop.is_visible() and "Types of Atrophic Scars" in pop.inner_text()
    page.screenshot(path=str(SHOTS / "desktop-02-citation-chip.png"))
    page.mouse.move(0, 0)

    # The sources panel opens inside the message, fully.
    sources = answer.locator(".scarbot-sources")
    assert not sources.get_by_text("Types of Atrophic Scars").is_visible()
    sources.locator("summary").click()
    assert sources.get_by_text("Types of Atrophic Scars").first.is_visible()
    assert "three main types" in sources.inner_text()
    assert "Answered from" in sources.inner_text()  # which strategy answered, discreetly
    assert inside(sources, answer)
    assert sources.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    page.screenshot(path=str(SHOTS / "desktop-03-sources-open.png"))

    # Copy gives plain text with [1], and screen readers get the same, without Markdown escapes.
    page.locator('#scarbot-chat button[aria-label="Copy message"]').nth(1).click()
    copied = clipboard(page)
    assert "[1]" in copied and "\\" not in copied and "icepick" in copied.lower()
    assert answer.get_attribute("aria-label").endswith(copied)
    # the same whatever clipboard the page has (here a stub put in after load)
    page.evaluate("navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); }")
    page.locator('#scarbot-chat button[aria-label="Copy message"]').nth(1).click()
    assert page.evaluate("window.__copied") == copied
    assert "\\" not in answer.get_attribute("aria-label")

    # Thumbs up is stored with the question, answer and citations (table rows with their columns).
    page.locator('#scarbot-chat button[aria-label="Like"]').first.click()
    page.get_by_text("your feedback was saved").wait_for()
    (rec,) = list(FeedbackStore(data_dir / "feedback.sqlite3").records())
    assert rec.rating == "up" and rec.question == "What are the main types of atrophic scars?"
    assert "icepick" in rec.answer and rec.citations and rec.citations[0]["quote"]

    # A price, then a follow-up resolved from the conversation; the sources say how it was read.
    width_before = box(page.locator("#scarbot-chat"))["width"]
    ask(page, "How much does subcision cost?")
    wait_for_answer(page, 2)
    price = bot_messages(page).nth(1)
    price.locator(".scarbot-sources summary").click()
    # a table row quoted with its column names, not as a pipe row
    assert "UK: ~$1,890" in price.inner_text() and "India: $127–$158" in price.inner_text()
    assert "| - |" not in price.inner_text()
    followups = wait_for_followups(page)
    assert 2 <= len(followups) <= 3 and all("subcision" in f.lower() for f in followups)
    page.screenshot(path=str(SHOTS / "desktop-04-price-and-follow-ups.png"))
    # a follow-up chip asks its question
    page.locator("#scarbot-chat button.option").first.click()
    wait_for_answer(page, 3)
    assert page.locator('#scarbot-chat [data-testid="user"]').nth(2).inner_text().strip() == followups[0]

    ask(page, "How much does microneedling cost in Korea?")
    wait_for_answer(page, 4)
    ask(page, "and in the USA?")
    wait_for_answer(page, 5)
    last = bot_messages(page).nth(4)
    last.locator(".scarbot-sources summary").click()
    assert "Question understood as" in last.inner_text() and "$500" in last.inner_text()

    # A price comparison draws the range chart inside its answer; the column does not change width.
    ask(page, "Compare laser resurfacing prices across countries")
    wait_for_answer(page, 6)
    chart_answer = bot_messages(page).nth(5)
    chart = chart_answer.locator(".scarbot-chart")
    assert chart.count() == 1 and "South Korea" in chart.inner_text() and "no figure" in chart.inner_text()
    assert chart.locator(".scarbot-chart-row.korea").count() == 1 and "$0–" not in chart.inner_text()
    assert box(page.locator("#scarbot-chat"))["width"] == width_before
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "desktop-05-price-chart.png"))
    ask(page, "What is subcision?")
    wait_for_answer(page, 7)
    assert box(page.locator("#scarbot-chat"))["width"] == width_before
    assert not scroll_boxes(page)
    assert not sticking_out(page)

    # A reload keeps the conversation (browser storage), chips, chart and all.
    n_user = page.locator('#scarbot-chat [data-testid="user"]').count()
    page.reload()
    bot_messages(page).nth(6).wait_for()
    assert page.locator('#scarbot-chat [data-testid="user"]').count() == n_user
    assert bot_messages(page).nth(5).locator(".scarbot-chart").count() == 1
    assert bot_messages(page).first.locator(".scarbot-cite").count() >= 1
    page.screenshot(path=str(SHOTS / "desktop-06-after-reload.png"))
    # and the conversation goes on from where it was
    ask(page, "how long is the recovery?")
    wait_for_answer(page, 8)
    page.locator("#scarbot-chat .message-row").last.scroll_into_view_if_needed()
    assert "subcision" in bot_messages(page).nth(7).inner_text().lower()

    # "New conversation" starts over, and a reload does not bring the old one back.
    page.locator("#scarbot-new").click()
    page.wait_for_function("document.querySelectorAll('#scarbot-chat [data-testid=\"user\"]').length === 0")
    page.reload()
    page.locator("#scarbot-chat").wait_for()
    page.wait_for_timeout(1000)
    assert page.locator('#scarbot-chat [data-testid="user"]').count() == 0

    assert page.dialogs == [] and page.outside_requests == []


@pytest.mark.browser
@pytest.mark.slow
def test_a_dislike_asks_for_a_reason_and_stores_it(page, app_url):
    from scarbot.feedback import FeedbackStore

    url, data_dir = app_url
    ask(page, "Where is Louis Clinic?")
    wait_for_answer(page, 1)
    assert not page.locator("#scarbot-reason").is_visible()
    page.locator('#scarbot-chat button[aria-label="Dislike"]').first.click()
    reason = page.locator("#scarbot-reason")
    reason.wait_for()
    reason.get_by_label("It did not answer my question").check()
    reason.locator("textarea").fill("I wanted the opening hours")
    page.screenshot(path=str(SHOTS / "desktop-07-dislike-reason.png"))
    reason.get_by_role("button", name="Send reason").click()
    reason.wait_for(state="hidden")
    recs = [r for r in FeedbackStore(data_dir / "feedback.sqlite3").records() if r.question == "Where is Louis Clinic?"]
    assert [(r.rating, r.reason) for r in recs] == [("down", "It did not answer my question: I wanted the opening hours")]


@pytest.mark.browser
@pytest.mark.slow
def test_phone_layout(phone):
    page = phone
    record("phone_first_load_s", round(page.load_seconds, 2))
    vh = PHONE["height"]
    # The title stays in view on load: nothing takes focus, nothing scrolls, no keyboard pops up.
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.activeElement.tagName") != "TEXTAREA"
    title = box(page.locator("#scarbot-header h1"))
    assert title["y"] >= 0 and title["y"] + title["height"] <= vh
    chat_top = box(page.locator("#scarbot-chat"))["y"]
    record("phone_header_and_notice_px_first_visit", round(chat_top))
    assert chat_top < 0.35 * vh, chat_top
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "phone-01-first-load.png"))

    # One scroll: the conversation grows with the page; the input stays at the bottom of the screen.
    ask(page, "How much does subcision cost?")
    wait_for_answer(page, 1)
    wait_for_followups(page)
    ask(page, "Compare laser resurfacing prices across countries")
    wait_for_answer(page, 2)
    assert not scroll_boxes(page)
    assert page.evaluate("document.documentElement.scrollHeight") > vh  # the page, not a box, scrolls
    folded_top = page.evaluate("document.querySelector('#scarbot-chat').getBoundingClientRect().top + scrollY")
    record("phone_header_and_notice_px_after_first_question", round(folded_top))
    assert folded_top < 0.2 * vh, folded_top  # the notice folds once read
    page.evaluate("window.scrollTo(0, 0)")
    bar = box(page.locator("#scarbot-inputbar"))
    assert bar["y"] + bar["height"] <= vh + 1 and bar["y"] > vh / 2  # sticky at the bottom
    record("phone_input_bar_px", round(bar["height"]))

    # The chart is inside the answer that produced it, within the screen's width.
    chart_answer = bot_messages(page).nth(1)
    chart = chart_answer.locator(".scarbot-chart")
    assert chart.count() == 1
    assert inside(chart, chart_answer) and box(chart)["x"] + box(chart)["width"] <= PHONE["width"]
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "phone-02-price-chart.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not sticking_out(page)

    # A chip opens its quote on tap; the quote fits the screen.
    first = bot_messages(page).first
    first.scroll_into_view_if_needed()
    chip = first.locator(".scarbot-cite").last
    chip.tap()
    pop = chip.locator(".scarbot-pop")
    assert pop.is_visible() and "UK: ~$1,890" in pop.inner_text()
    p = box(pop)
    assert p["x"] >= 0 and p["x"] + p["width"] <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "phone-03-citation-chip.png"))
    chip.tap()  # a second tap closes it
    assert not pop.is_visible()

    # An open sources panel is shown whole, inside its message.
    sources = first.locator(".scarbot-sources")
    sources.locator("summary").tap()
    assert inside(sources, first) and box(sources)["x"] + box(sources)["width"] <= PHONE["width"]
    assert sources.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    assert "UK: ~$1,890" in sources.inner_text()
    sources.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "phone-04-sources-open.png"))

    # Copy: plain text with [n].
    page.locator('#scarbot-chat button[aria-label="Copy message"]').nth(1).click()
    copied = clipboard(page)
    assert copied.startswith("Subcision") and "[1]" in copied and "\\" not in copied

    # A reload keeps the conversation; the notice stays folded; the page does not jump.
    page.reload()
    bot_messages(page).nth(1).wait_for()
    page.wait_for_timeout(500)
    assert page.locator('#scarbot-chat [data-testid="user"]').count() == 2
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.querySelector('#scarbot-notice details').open") is False
    page.screenshot(path=str(SHOTS / "phone-05-after-reload.png"))
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.screenshot(path=str(SHOTS / "phone-06-end-of-conversation.png"))
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
    labels = [m.get_attribute("aria-label") for m in page.locator('#scarbot-chat [data-testid="user"]').all()]
    assert labels == [f"your question: {p}" for p in payloads]  # and read out as typed
    assert chat.locator("img").count() == 0
    assert chat.locator("script").count() == 0
    assert chat.locator('a[href^="javascript"]').count() == 0
    # Clicking the would-be link does nothing.
    chat.get_by_text("click me").click()
    page.screenshot(path=str(SHOTS / "desktop-08-hostile-input.png"))
    assert page.dialogs == []

    # Over-long input gets a clear message instead of an answer, and no like/dislike buttons.
    ask(page, "why " * 600)
    chat.get_by_text("the limit is 2,000").wait_for()
    row = page.locator("#scarbot-chat .message-row").last
    buttons = page.locator("#scarbot-chat .message-buttons").last
    assert "limit is 2,000" in row.inner_text()
    assert not buttons.locator('button[aria-label="Like"]').is_visible()
    assert not buttons.locator('button[aria-label="Dislike"]').is_visible()
    # real answers still have them
    assert page.locator('#scarbot-chat button[aria-label="Dislike"]').first.is_visible()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.screenshot(path=str(SHOTS / "desktop-09-too-long.png"))
    assert page.dialogs == []
