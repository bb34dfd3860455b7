"""Twenty patients at once: the real app, through Gradio's queue, gives every client its own right answer."""

from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_ui_browser import prepared_data_dir, running_app

CLIENTS = 20
QUESTIONS = [
    ("How much does microneedling cost in Korea?", "[]", "$225"),
    ("What are the main types of atrophic scars?", "[]", "icepick"),
    ("Which clinics in Korea treat atrophic scars?", "[]", "Louis Clinic"),
    ("How much is laser resurfacing in India?", "[]", "$60"),
    ("and in the USA?", json.dumps([{"role": "user", "content": "How much does microneedling cost in Korea?"},
                                     {"role": "assistant", "content": "$225–$600 per session [1]."}]), "$500"),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data = prepared_data_dir(tmp_path_factory.mktemp("ui-concurrency") / "data")
    with running_app(data) as url:
        yield url


@pytest.mark.slow
def test_twenty_simultaneous_clients_all_get_their_own_correct_answer(app_url):
    from gradio_client import Client

    # Reference answers, one at a time.
    solo = Client(app_url, verbose=False)
    expected = {}
    solo_s = []
    for q, hist, must in QUESTIONS:
        t0 = time.perf_counter()
        res = solo.predict(q, hist, api_name="/ask")
        solo_s.append(time.perf_counter() - t0)
        assert must in res["answer"] and res["citations"], (q, res["answer"])
        expected[q] = res["answer"]

    clients = [Client(app_url, verbose=False) for _ in range(CLIENTS)]
    start = threading.Barrier(CLIENTS, timeout=60)

    def one(i: int) -> tuple[str, dict, float]:
        q, hist, _ = QUESTIONS[i % len(QUESTIONS)]
        start.wait()  # all twenty are sent together
        t0 = time.perf_counter()
        res = clients[i].predict(q, hist, api_name="/ask")
        return q, res, time.perf_counter() - t0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = [f.result(timeout=300) for f in [pool.submit(one, i) for i in range(CLIENTS)]]
    wall = time.perf_counter() - t0

    assert len(results) == CLIENTS
    for q, res, _ in results:
        assert res["answer"] == expected[q], q  # no cross-talk between concurrent requests
        assert res["citations"] and not res["abstained"]
    latencies = sorted(r[2] for r in results)
    print(f"\n{CLIENTS} concurrent /ask: wall {wall:.2f}s, median {statistics.median(latencies):.2f}s, "
          f"max {latencies[-1]:.2f}s (one at a time: median {statistics.median(solo_s):.2f}s)")
