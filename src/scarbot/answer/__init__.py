"""The answer step: a router over small strategies, each answering one kind of question.

``base`` (drafts, refusals, corpus look-ups) is at the bottom; each strategy module imports only
from it; ``verify`` checks drafts; ``router`` sits on top and is what the assistant calls.
"""

from scarbot.answer.base import CorpusView, Draft, Part, refusal
from scarbot.answer.router import Router

__all__ = ["CorpusView", "Draft", "Part", "Router", "refusal"]
