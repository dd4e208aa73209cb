"""The log lines a process writes under a given ``LOG_FORMAT``, read back as an operator would.

``logs_captured`` configures logging exactly as the settings do (``reship.config.settings.logs``:
its handler, filter and formatter) with the handler's stream pointed at a buffer, and restores the
root logger's handlers and level afterwards (pytest's own capture handlers included).
"""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from reship.config.settings.logs import logging_setting


@dataclass
class CapturedLogs:
    stream: io.StringIO

    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        """Every line parsed as JSON (a line that is not JSON fails the test here)."""
        return [json.loads(line) for line in self.text().splitlines() if line.strip()]

    def of(self, logger: str) -> list[dict]:
        return [line for line in self.lines() if line["logger"] == logger]


@contextmanager
def logs_captured(log_format: str = "json") -> Iterator[CapturedLogs]:
    config = logging_setting(log_format=log_format, level="INFO")
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    logging.config.dictConfig(config)
    try:
        yield CapturedLogs(stream)
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
