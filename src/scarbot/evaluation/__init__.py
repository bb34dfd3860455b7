"""The evaluation suite: QA data, metrics, runner, report and the ``scarbot eval`` command.

Kept light: importing this package loads no model and no index; the CLI builds the assistant on demand.
"""

from __future__ import annotations

from scarbot.evaluation.dataset import Conversation, DatasetError, QAItem, Turn, load_dataset

__all__ = ["Conversation", "DatasetError", "QAItem", "Turn", "load_dataset"]
