"""The contract every provider keeps, whatever API it wraps: one base class (geopy's
`BaseTestGeocoder`) that each registered provider's cases go through.

A subclass names its provider (`name`); the cases come from the provider's emulator
(`Emulator.answers`, `.skips`, `.targets`), so a new provider is tested by registering it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import sandbox_profile
from tui.core.answers.result import ProviderResult, Status
from tui.core.config.load import ResolvedProfile
from tui.core.errors import ErrorKind
from tui.core.providers.base import HttpProvider
from tui.core.providers.registry import PROVIDERS
from tui.core.sanitize import clean_tree
from tui.core.service.service import LookupService
from tui.sandbox.common import Case, Emulator
from tui.sandbox.registry import emulator_of
from tui.sandbox.server import SandboxServer

_SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "check.schema.json").read_text())
RESULT = Draft202012Validator({**_SCHEMA["$defs"]["result"], "$defs": _SCHEMA["$defs"]})
"""The JSON Schema of one provider's result in `check --json`."""

FAULT_KINDS: dict[str, ErrorKind] = {
    "error": ErrorKind.HTTP,
    "unavailable": ErrorKind.HTTP,
    "rate_limit": ErrorKind.RATE_LIMITED,
    "timeout": ErrorKind.TIMEOUT,
    "garbage": ErrorKind.BAD_RESPONSE,
    "malformed": ErrorKind.BAD_RESPONSE,
    "huge": ErrorKind.BAD_RESPONSE,
    "drop": ErrorKind.NETWORK,
}
"""The error each sandbox fault must become, at any of a provider's endpoints."""

DEFAULT_CASE: Case = ("13800138000", None)
"""What a provider without an emulator (it asks no network) is asked."""


class ProviderContract:
    """Tests every provider passes. Subclass with `name` set to a registered provider."""

    name: ClassVar[str]

    @property
    def emulator(self) -> Emulator | None:
        return emulator_of(self.name)

    @property
    def answers(self) -> Case:
        return self.emulator.answers if self.emulator else DEFAULT_CASE

    def profile(self, sandbox: SandboxServer, **section: Any) -> ResolvedProfile:
        overrides: dict[str, Any] = {self.name: section} if section else {}
        return sandbox_profile(sandbox, region="CN", timeout=1.0, **overrides)

    async def ask(
        self,
        sandbox: SandboxServer,
        case: Case | None = None,
        section: dict[str, Any] | None = None,
    ) -> ProviderResult:
        """The provider's one result for `case` (its answered case when None), with its profile
        section's keys overridden by `section`."""
        number, rio = case or self.answers
        service = LookupService().use(self.profile(sandbox, **(section or {})))
        try:
            return (await service.check(number, rio, [self.name])).ordered[0]
        finally:
            await service.aclose()

    def secrets(self, sandbox: SandboxServer) -> list[str]:
        """The credentials of the provider's section on the test profile."""
        section = self.profile(sandbox).provider_settings(self.name)
        return [s.reveal() for s in (section.secrets() if section else {}).values()]

    def assert_keeps_secrets(self, result: ProviderResult, secrets: list[str]) -> None:
        text = "\n".join(
            [json.dumps(result.to_json(), ensure_ascii=False), repr(result.error), repr(result.raw)]
        )
        for secret in secrets:
            assert secret not in text

    def assert_billing(self, result: ProviderResult) -> None:
        """A free provider never reports a cost; a billed one reports each answer billed."""
        billed = PROVIDERS[self.name].billed
        if billed is False:
            assert result.billed is False
        elif result.status is Status.OK and not result.cached:
            assert result.billed is True
        if result.status is Status.SKIPPED:
            assert result.billed is False

    async def test_answers_in_the_normalised_shape(self, sandbox: SandboxServer) -> None:
        result = await self.ask(sandbox)
        assert result.provider == self.name
        assert result.status is Status.OK, result.error
        data = result.to_json()
        assert [f"{e.json_path}: {e.message}" for e in RESULT.iter_errors(data)] == []
        assert json.loads(json.dumps(data)) == data
        self.assert_billing(result)
        self.assert_keeps_secrets(result, self.secrets(sandbox))

    async def test_its_raw_answer_is_sanitised(self, sandbox: SandboxServer) -> None:
        result = await self.ask(sandbox)
        assert clean_tree(result.raw) == result.raw
        json.dumps(result.raw)  # the raw view shows it as JSON

    async def test_is_skipped_with_a_reason_where_it_does_not_apply(
        self, sandbox: SandboxServer
    ) -> None:
        skips = self.emulator.skips if self.emulator else None
        if skips is None:
            pytest.skip(f"{self.name} applies to every number")
        result = await self.ask(sandbox, skips)
        assert result.status is Status.SKIPPED and result.skip_reason
        assert result.latency_ms is None
        self.assert_billing(result)
        assert sum(sandbox.state.hits.values()) == 0

    @pytest.mark.parametrize("fault", list(FAULT_KINDS))
    async def test_each_fault_is_its_own_error(self, fault: str, sandbox: SandboxServer) -> None:
        """At every endpoint the provider uses, each fault ends in exactly its error kind, in
        printable words that hold no credential."""
        if self.emulator is None:
            pytest.skip(f"{self.name} asks no network")
        sandbox.state.hang_seconds = 2.0
        sandbox.state.huge_bytes = 2 * 1024 * 1024
        for target in self.emulator.targets:
            sandbox.state.reset()
            sandbox.state.add_fault(target, fault)
            result = await self.ask(sandbox)
            assert result.status is Status.ERROR, (target, fault)
            assert result.error is not None
            assert result.error.kind is FAULT_KINDS[fault], (target, fault, result.error)
            assert result.error.message.isprintable()
            self.assert_billing(result)
            self.assert_keeps_secrets(result, self.secrets(sandbox))

    async def test_refused_credentials_are_an_auth_error_that_hides_them(
        self, sandbox: SandboxServer
    ) -> None:
        section = self.profile(sandbox).provider_settings(self.name)
        names = list(section.secrets()) if section else []
        if not names:
            pytest.skip(f"{self.name} needs no credentials")
        wrong = {name: f"wrong-{name}-5f2c9a" for name in names}
        result = await self.ask(sandbox, section=wrong)
        assert result.status is Status.ERROR
        assert result.error is not None and result.error.kind is ErrorKind.AUTH
        assert result.billed is False
        self.assert_keeps_secrets(result, list(wrong.values()))


def http_providers() -> list[str]:
    """The registered providers that ask over HTTP."""
    return [n for n, c in PROVIDERS.items() if issubclass(c, HttpProvider)]
