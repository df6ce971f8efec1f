"""One lookup: validate offline, then ask every selected provider at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tui.core.config import ResolvedProfile
from tui.core.errors import BadResponse, ConfigError, InvalidInput, ProviderError, ProviderTimeout
from tui.core.history import History, HistoryError
from tui.core.numbers import NumberInfo, parse_number, range_operator
from tui.core.providers import Provider, Query, get_provider
from tui.core.result import ProviderResult
from tui.core.rio import parse_rio
from tui.core.verdict import merge

if TYPE_CHECKING:
    import httpx  # the module itself loads with the first provider client (tui.core.http)

T = TypeVar("T")


class InvalidLookup(InvalidInput):
    """Input that cannot be looked up; carries what is known about the number."""

    def __init__(self, message: str, number: NumberInfo | None) -> None:
        super().__init__(message)
        self.number = number
        """The parsed number when the text was a number at all."""


def number_json(number: NumberInfo | None, text: str) -> dict[str, Any]:
    """The SPEC's `number` object."""
    from tui.core.numbers import sanitised_input

    if number is None:
        return {
            "input": sanitised_input(text),
            "e164": None,
            "national": None,
            "region": None,
            "valid": False,
            "type": None,
            "range_operator": None,
        }
    return {
        "input": number.input,
        "e164": number.e164,
        "national": number.national,
        "region": number.region,
        "valid": number.valid,
        "type": number.type,
        "range_operator": range_operator(number),
    }


@dataclass(frozen=True)
class Report:
    """Everything one lookup found, providers in panel order."""

    query: Query
    """What was asked."""
    results: tuple[ProviderResult, ...]
    """One result per selected provider."""
    warnings: tuple[str, ...] = ()
    """Things that went wrong beside the providers (history not saved…)."""
    lookup_id: int | None = None
    """The history row, when it was saved."""

    def to_json(self) -> dict[str, Any]:
        """The SPEC's JSON object."""
        data: dict[str, Any] = {
            "number": number_json(self.query.number, self.query.number.input),
            "results": [r.to_json() for r in self.results],
        }
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data


def prepare(text: str, rio_text: str | None, *, region: str, allow_rio_mismatch: bool) -> Query:
    """Validate the number and RIO offline. Raises InvalidLookup; nothing is ever sent."""
    try:
        number = parse_number(text, region)
    except InvalidInput as exc:
        raise InvalidLookup(exc.message, None) from None
    if not number.valid:
        raise InvalidLookup(number.problem or "not a valid number.", number)
    if rio_text is None or not rio_text.strip():
        return Query(number)
    if not number.is_fr_mobile:
        raise InvalidLookup(
            "a RIO only applies to French mobile numbers (+33 6 / +33 7); "
            "leave it out for this number.",
            number,
        )
    try:
        rio = parse_rio(rio_text)
    except InvalidInput as exc:
        raise InvalidLookup(exc.message, number) from None
    if not allow_rio_mismatch and not rio.matches(number.national or ""):
        raise InvalidLookup(
            "this RIO does not belong to this number (its check key does not match). "
            "Check both with the customer; the profile can allow sending it anyway "
            "(allow_rio_mismatch = true).",
            number,
        )
    return Query(number, rio)


class Checker:
    """Runs lookups for one profile; owns the provider clients (and their token caches).

    With a `history`, every lookup is recorded, fresh answers are reused instead of asked
    again, and billed queries are counted against the provider's daily budget.
    """

    def __init__(
        self,
        profile: ResolvedProfile,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        history: History | None = None,
    ) -> None:
        self.profile = profile
        self.history = history
        self.clock: Callable[[], float] = time.perf_counter
        """Measures latencies; replaceable so that screenshots and snapshots are stable."""
        self._transport = transport
        self._providers: dict[str, Provider] = {}

    def prepare(self, text: str, rio_text: str | None = None) -> Query:
        """Validate input for this profile (see `prepare`)."""
        s = self.profile.settings
        return prepare(text, rio_text, region=s.region, allow_rio_mismatch=s.allow_rio_mismatch)

    def selection(self, names: Sequence[str] | None = None) -> list[str]:
        """The providers to ask: `names` when given, else the profile's, checked."""
        chosen = list(dict.fromkeys(names)) if names else list(self.profile.settings.providers)
        for name in chosen:
            self.provider(name)
        return chosen

    def provider(self, name: str) -> Provider:
        """The provider called `name`, built on first use."""
        if name not in self._providers:
            cls = get_provider(name)
            settings = self.profile.provider_settings(name)
            if cls.settings_model is not None and settings is None:
                raise ConfigError(
                    f"profile {self.profile.name!r} has no [profiles.{self.profile.name}.{name}]"
                    " table",
                    hint="add it to the config file (see config.example.toml)",
                )
            timeout = (
                settings.timeout if settings and settings.timeout else self.profile.settings.timeout
            )
            self._providers[name] = cls(settings, timeout=timeout, transport=self._transport)
        return self._providers[name]

    def billed_for(self, query: Query, names: Sequence[str] | None = None) -> list[str]:
        """The selected providers that would be asked about `query` and bill per query
        (to say so before asking again)."""
        return [
            n
            for n in self.selection(names)
            if self.provider(n).billed and self.provider(n).skip_reason(query) is None
        ]

    def run(
        self, query: Query, names: Sequence[str] | None = None, *, refresh: bool = False
    ) -> LookupRun:
        """Start one lookup; iterate the result to get answers as they arrive."""
        return LookupRun(self, query, self.selection(names), refresh=refresh)

    async def stream(
        self, query: Query, names: Sequence[str] | None = None
    ) -> AsyncIterator[ProviderResult]:
        """Yield each provider's result as soon as it arrives."""
        async for result in self.run(query, names):
            yield result

    async def check(
        self,
        text: str,
        rio_text: str | None = None,
        names: Sequence[str] | None = None,
        *,
        refresh: bool = False,
    ) -> Report:
        """Validate, ask every selected provider, and return results in panel order."""
        query = self.prepare(text, rio_text)
        run = self.run(query, names, refresh=refresh)
        found = {r.provider: r async for r in run}
        return Report(
            query, tuple(found[name] for name in run.names), tuple(run.warnings), run.lookup_id
        )

    async def ask(self, name: str, query: Query, *, run: LookupRun | None = None) -> ProviderResult:
        """One provider's result; any failure stays in that result, never raised."""
        provider = self.provider(name)
        reason = provider.skip_reason(query)
        reused = None if reason or run is None else await run.cached(provider)
        if reason:
            result = ProviderResult.skipped(name, reason)
        else:
            result = reused or await self._call(provider, query, run)
        if run is not None:
            await run.record(provider, result)
        return result

    async def _call(
        self, provider: Provider, query: Query, run: LookupRun | None
    ) -> ProviderResult:
        start = self.clock()
        try:
            if run is not None and provider.billed:
                await run.reserve(provider)
            async with asyncio.timeout(provider.timeout):
                result = await provider.lookup(query)
        except TimeoutError:
            error: ProviderError = ProviderTimeout(
                f"no answer within {provider.timeout:g} s; the request may have arrived.",
                billed=None if provider.billed else False,
            )
        except ProviderError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - a provider bug must stay in its own panel
            error = BadResponse(
                f"unexpected failure ({type(exc).__name__}).",
                billed=None if provider.billed else False,
            )
        else:
            return result.with_latency((self.clock() - start) * 1000)
        elapsed = round((self.clock() - start) * 1000, 1)
        return ProviderResult.failed(provider.name, error, elapsed)

    async def aclose(self) -> None:
        """Close every provider's connections."""
        await asyncio.gather(*(p.aclose() for p in self._providers.values()))

    async def __aenter__(self) -> Checker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class LookupRun:
    """One lookup in flight: iterate it for results as they arrive; keeps history in step."""

    def __init__(self, checker: Checker, query: Query, names: list[str], *, refresh: bool) -> None:
        self.checker = checker
        self.query = query
        self.names = names
        """Providers asked, in panel order."""
        self.refresh = refresh
        """Ask every provider again even if a fresh answer is stored."""
        self.warnings: list[str] = []
        """Problems beside the providers, e.g. "history not saved"."""
        self.lookup_id: int | None = None
        """History row of this lookup, once saved."""
        self.results: dict[str, ProviderResult] = {}
        """Answers so far."""
        self._rio_tag: str | None = None

    @property
    def _history(self) -> History | None:
        return self.checker.history

    async def __aiter__(self) -> AsyncIterator[ProviderResult]:
        await self._start()
        tasks = [
            asyncio.create_task(
                self.checker.ask(name, self.query, run=self), name=f"portcheck:{name}"
            )
            for name in self.names
        ]
        try:
            for next_done in asyncio.as_completed(tasks):
                result = await next_done
                self.results[result.provider] = result
                yield result
        finally:
            for task in tasks:
                task.cancel()
        await self._finish()

    async def _guard(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Run a history call in a thread; a failure becomes one warning, not an error."""
        if self._history is None:
            return None
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except HistoryError as exc:
            if exc.message not in self.warnings:
                self.warnings.append(exc.message)
            return None

    async def _start(self) -> None:
        history = self._history
        if history is None:
            return
        settings = self.checker.profile.settings
        self.lookup_id = await self._guard(
            history.start_lookup,
            self.checker.profile.name,
            self.query.number,
            store_full=settings.store_full_number,
        )

    async def _tag(self, provider: Provider) -> str | None:
        if not provider.uses_rio or self.query.rio is None or self._history is None:
            return None
        if self._rio_tag is None:
            assert self.query.number.e164 is not None
            self._rio_tag = await self._guard(
                self._history.rio_tag, self.query.number.e164, self.query.rio.code
            )
        return self._rio_tag

    async def cached(self, provider: Provider) -> ProviderResult | None:
        """A fresh stored answer, unless refreshing."""
        if self.refresh or self._history is None or provider.cache_ttl <= 0:
            return None
        assert self.query.number.e164 is not None
        return await self._guard(
            self._history.cached,
            self.checker.profile.name,
            self.query.number.e164,
            provider.name,
            max_age=provider.cache_ttl,
            query_tag=await self._tag(provider),
        )

    async def reserve(self, provider: Provider) -> None:
        """Record the billed request as pending; raises BudgetExceeded over budget."""
        if self._history is None or self.lookup_id is None:
            return
        budget = provider.settings.daily_budget if provider.settings else None
        await self._guard(
            self._history.reserve,
            self.lookup_id,
            provider.name,
            self.checker.profile.name,
            daily_budget=budget,
        )

    async def record(self, provider: Provider, result: ProviderResult) -> None:
        """Store a provider's final result in this lookup (a reused answer is marked so, and
        never itself reused: its age counts from the original query)."""
        if self._history is None or self.lookup_id is None:
            return
        await self._guard(
            self._history.finish,
            self.lookup_id,
            result,
            query_tag=await self._tag(provider),
            position=self.names.index(provider.name),
        )

    async def _finish(self) -> None:
        if self._history is None or self.lookup_id is None:
            return
        headline = merge(self.results.values()).headline
        await self._guard(self._history.finish_lookup, self.lookup_id, headline)
