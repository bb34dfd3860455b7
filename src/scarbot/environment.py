"""Process environment the web server needs: requests to this machine never go through a proxy.

Gradio checks that its own server answers (an HTTP request to 127.0.0.1/localhost) before it
returns from ``launch()``; with ``HTTP_PROXY``/``ALL_PROXY`` set to a proxy that is down or that
cannot see this machine, that check fails and the server dies at start. Adding the loopback names
to ``NO_PROXY``/``no_proxy`` keeps every other proxy setting as the user made it.
"""

from __future__ import annotations

import os

LOOPBACK = ("127.0.0.1", "localhost", "::1", "0.0.0.0")


def bypass_proxy_for_loopback(host: str | None = None) -> None:
    """Add the loopback names (and the address the server binds, when given) to NO_PROXY and no_proxy."""
    wanted = [*LOOPBACK, *([host] if host and host not in LOOPBACK else [])]
    for key in ("NO_PROXY", "no_proxy"):
        current = [h.strip() for h in os.environ.get(key, "").split(",") if h.strip()]
        if "*" in current:
            continue  # already bypasses every host
        os.environ[key] = ",".join([*current, *(h for h in wanted if h not in current)])
