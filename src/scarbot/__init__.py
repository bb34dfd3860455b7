"""scarbot: a cited, grounded assistant for one article on atrophic scar treatment in Korea.

``import scarbot`` is cheap: the heavy parts load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scarbot.types import Answer, Citation, Context, PriceRow

if TYPE_CHECKING:
    from scarbot.assistant import Assistant
    from scarbot.settings import Settings

__all__ = ["Answer", "Assistant", "Citation", "Context", "PriceRow", "Settings"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from scarbot.assistant import Assistant

        return Assistant
    if name == "Settings":
        from scarbot.settings import Settings

        return Settings
    raise AttributeError(name)
