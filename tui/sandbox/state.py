"""The sandbox's knobs (latency, faults, token lifetime) and what it has seen."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

#: Fault kinds, what each does.
FAULTS = {
    "error": "HTTP 500 with a JSON error body",
    "unavailable": "HTTP 503",
    "rate_limit": "HTTP 429 with Retry-After (the retry_after knob, default 1)",
    "timeout": "hang (hang_seconds) before answering",
    "garbage": "HTTP 200 with an HTML body instead of JSON",
    "malformed": "HTTP 200 with JSON of the wrong shape",
    "huge": "HTTP 200 streaming huge_bytes of JSON-looking text (never held in memory)",
    "expired_token": "bouygues only: HTTP 401 invalid_token even for a valid token",
    "drop": "the request arrives, then the connection closes mid-answer (no answer comes)",
    "formula": "china_mnp only: HTTP 200, a ported answer whose operators and reason are "
    "spreadsheet formulas (=HYPERLINK…, @SUM…, -2+3): CSV injection",
}


#: Knobs settable over HTTP (`POST /_sandbox/knobs`), and the types each accepts.
KNOBS: dict[str, tuple[type, ...]] = {
    "latency": (int, float),
    "hang_seconds": (int, float),
    "token_ttl": (int,),
    "huge_bytes": (int,),
    "retry_after": (str,),
    "advertised_ttl": (int, float, str, type(None)),
}


@dataclass
class Fault:
    """A fault answered instead of the normal response."""

    kind: str
    """One of FAULTS."""
    remaining: int | None = None
    """How many more requests get it; None for all of them."""
    number: str | None = None
    """Only requests about this number get it (None: any request)."""


@dataclass
class SandboxState:
    """Mutable sandbox settings, shared by the emulators; safe to change from another thread."""

    latency: float = 0.0
    """Seconds added before every answer."""
    hang_seconds: float = 30.0
    """How long a `timeout` fault hangs."""
    token_ttl: int = 3600
    """How long issued Bouygues tokens are valid, in seconds (and their `expires_in`)."""
    huge_bytes: int = 200 * 1024 * 1024
    """Size of the `huge` fault's body."""
    retry_after: str = "1"
    """`Retry-After` of the `rate_limit` fault (seconds, an HTTP date, or anything)."""
    advertised_ttl: object = None
    """A different `expires_in` to announce (0, -5, "soon"…), or "omit" to leave it out; the
    token stays valid for `token_ttl`. None: announce `token_ttl`."""
    hits: Counter[str] = field(default_factory=Counter)
    """Requests received per endpoint (`china_mnp`, `ip138`, `bouygues`, `bouygues_token`)."""
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    """When each request arrived, per endpoint (monotonic seconds): the rate a provider saw."""
    asked: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Requests received per (endpoint, number), as they arrive: a number a billed endpoint
    got twice shows here, whatever happened to the request after."""
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    """Queued faults per endpoint."""
    tokens: dict[str, float] = field(default_factory=dict)
    """Issued tokens and when they expire (monotonic clock)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_fault(
        self, target: str, kind: str, count: int | None = None, *, number: str | None = None
    ) -> None:
        """Answer the next `count` requests to `target` with fault `kind` (all when None);
        with `number`, only the requests about it (as the endpoint receives it)."""
        from tui.sandbox.registry import targets  # the emulators import this module

        known = targets()
        if target not in known:
            raise ValueError(f"unknown target {target!r}; targets: {', '.join(known)}")
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; faults: {', '.join(FAULTS)}")
        with self._lock:
            self.faults.setdefault(target, []).append(Fault(kind, count, number))

    def take_fault(self, target: str, number: str | None = None) -> str | None:
        """Count a request to `target` (about `number`) and return the fault it gets, if any."""
        with self._lock:
            self.hits[target] += 1
            self.arrivals.setdefault(target, []).append(time.monotonic())
            if number is not None:
                self.asked[(target, number)] += 1
            queue = self.faults.get(target, [])
            fault = next((f for f in queue if f.number in (None, number)), None)
            if fault is None:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.remove(fault)
            return fault.kind

    def set_knobs(self, knobs: dict[str, object]) -> None:
        """Set knobs by name (see KNOBS); all or none, each checked first."""
        for name, value in knobs.items():
            types = KNOBS.get(name)
            if types is None:
                raise ValueError(f"unknown knob {name!r}; knobs: {', '.join(KNOBS)}")
            if not isinstance(value, types) or isinstance(value, bool):
                raise ValueError(f"knob {name!r} takes {' or '.join(t.__name__ for t in types)}")
        with self._lock:
            for name, value in knobs.items():
                setattr(self, name, value)

    def issue_token(self) -> str:
        """A new bearer token valid for `token_ttl` seconds."""
        token = f"at-{uuid.uuid4()}"
        with self._lock:
            self.tokens[token] = time.monotonic() + self.token_ttl
        return token

    def token_valid(self, token: str) -> bool:
        """Whether `token` was issued here and has not expired."""
        with self._lock:
            return self.tokens.get(token, 0.0) > time.monotonic()

    def expire_tokens(self) -> None:
        """Make every issued token expire now, as if the clock jumped."""
        with self._lock:
            self.tokens.clear()

    def reset(self) -> None:
        """Forget faults, counters and tokens."""
        with self._lock:
            self.faults.clear()
            self.hits.clear()
            self.arrivals.clear()
            self.asked.clear()
            self.tokens.clear()
