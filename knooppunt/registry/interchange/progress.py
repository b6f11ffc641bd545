"""Progress reporting: a one-line bar on a terminal, and a small file for the web page."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Protocol


class Stream(Protocol):
    def write(self, text: str, /) -> Any: ...

    def flush(self) -> Any: ...


class TextProgress:
    """`organisations 120000/250000`, rewritten in place on `stream` (stderr)."""

    def __init__(self, stream: Stream, *, interval: float = 0.2) -> None:
        self.stream = stream
        self.interval = interval
        self._last = 0.0
        self._stage = ""
        self._width = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total and done >= total
        if stage == self._stage and not finished and now - self._last < self.interval:
            return
        if stage != self._stage and self._stage:
            self.stream.write("\n")
            self._width = 0
        self._stage, self._last = stage, now
        text = f"{stage} {done}/{total}" if total else f"{stage} {done}"
        self.stream.write("\r" + text.ljust(self._width))
        self._width = len(text)
        self.stream.flush()

    def close(self) -> None:
        if self._stage:
            self.stream.write("\n")
            self.stream.flush()
            self._stage = ""


class FileProgress:
    """Progress written to a JSON file, readable by other processes while the import's
    transaction is still open (the database would only show it after the commit)."""

    def __init__(self, path: Path, *, interval: float = 0.5) -> None:
        self.path = path
        self.interval = interval
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < self.interval and not (total and done >= total):
            return
        self._last = now
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"stage": stage, "done": done, "total": total}))
        os.replace(tmp, self.path)


def read_progress(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
