"""Messages widgets post upwards; past-tense names, plain data."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


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
class HistoryDeleteRequested(Message):
    """The user wants a history entry deleted."""

    lookup_id: int


@dataclass
class HistoryRerunRequested(Message):
    """The user wants a history entry looked up again."""

    lookup_id: int
