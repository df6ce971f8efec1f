"""Messages widgets post upwards; past-tense names, plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from tui.core.lookup.model import Lookup


@dataclass
class LookupRequested(Message):
    """The user asked for a lookup."""

    number: str
    rio: str | None
    providers: list[str]


@dataclass
class ProviderRetryRequested(Message):
    """The user asked one provider again."""

    provider: str


@dataclass
class RawAnswerRequested(Message):
    """The user wants to see a provider's raw answer."""

    provider: str


@dataclass
class HistoryPicked(Message):
    """A history entry was chosen: show it again."""

    lookup_id: int


@dataclass
class PastLookupOpened(Message):
    """A lookup read back from history, to be shown (or, with `rerun`, asked again)."""

    lookup: Lookup
    rerun: bool


class LookupSettled(Message):
    """The lookup on screen got its last answer (the history holds it now)."""


@dataclass
class HistoryDeleteRequested(Message):
    """The user wants a history entry deleted."""

    lookup_id: int


@dataclass
class HistoryRerunRequested(Message):
    """The user wants a history entry looked up again."""

    lookup_id: int


@dataclass
class WorkerFailed(Message):
    """A background task failed; the app tells the user (one handler for all of them)."""

    error: BaseException
    worker_name: str


class ForwardsWorkerFailures:
    """Mixin for a widget or screen that runs workers: Textual delivers their state changes to
    that node only (they do not bubble), so failures are sent up to the app's one handler."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            assert isinstance(self, MessagePump)
            self.post_message(WorkerFailed(event.worker.error, event.worker.name))
