"""Typed messages the app's workers post; handlers run on the UI's own loop, so widgets stay I/O free."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from console.model import DeadLetter, Snapshot


class StartProgress(Message):
    def __init__(self, line: str) -> None:
        super().__init__()
        self.line = line


class StartFailed(Message):
    """Compile or start-up failed; ``text`` is ready to show (a compile error keeps its caret)."""

    def __init__(self, text: str, compile_error: bool) -> None:
        super().__init__()
        self.text = text
        self.compile_error = compile_error


class SessionStarted(Message):
    pass


class SnapshotReady(Message):
    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class PollFailed(Message):
    """The whole poll raised (a single source failing is inside the Snapshot instead)."""

    def __init__(self, error: str, at: float) -> None:
        super().__init__()
        self.error = error
        self.at = at


class ActionProgress(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class DeployPlanReady(Message):
    """The target said what a deploy would change; the app asks with it before deploying."""

    def __init__(self, plan: str) -> None:
        super().__init__()
        self.plan = plan


class ActionFinished(Message):
    def __init__(self, text: str, ok: bool) -> None:
        super().__init__()
        self.text = text
        self.ok = ok


@dataclass(frozen=True)
class DeadLetterPage:
    """An older page of the dead-letter stores, as the dashboard shows it in place of the live one."""

    index: int  # 0 is the newest
    size: int
    letters: tuple[DeadLetter, ...]
    pages: int
    total: int


class DeadLetterPageReady(Message):
    def __init__(self, page: DeadLetterPage) -> None:
        super().__init__()
        self.page = page
