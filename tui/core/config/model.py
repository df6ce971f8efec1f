"""The profile schema: what `config.toml` may hold, typed and checked table by table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import msgspec
import phonenumbers
from msgspec import Meta, Struct, defstruct, field

from tui.core.answers.money import currency_ok
from tui.core.config.errors import ConfigProblems, problem, problem_at
from tui.core.i18n import LANGUAGES, _
from tui.core.policies import DEFAULT_TIMEOUT
from tui.core.providers.registry import PROVIDERS
from tui.core.providers.settings import (
    FieldProblem,
    ProviderSettings,
    ProviderUrl,
    Seconds,
    Secret,
    decode_hook,
    encode_hook,
)

T = TypeVar("T")


class RegionCode(str):
    """A region code phonenumbers knows, upper case (checked by `_decode`)."""

    __slots__ = ()


def _region(value: Any) -> RegionCode:
    region = value.strip().upper() if isinstance(value, str) else ""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            _("{value} is not a region code: use two letters such as CN or FR").format(
                value=repr(value)
            )
        )
    return RegionCode(region)


def _decode(kind: type, value: Any) -> Any:
    return _region(value) if kind is RegionCode else decode_hook(kind, value)


class ProfileBase(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Profile keys that are not provider sections."""

    region: RegionCode = RegionCode("CN")
    """Region assumed for numbers written without a country code."""
    providers: list[str] = field(default_factory=lambda: ["offline"])
    """Providers to ask, in the order of their panels."""
    timeout: Seconds = DEFAULT_TIMEOUT
    """Seconds per provider call."""
    allow_rio_mismatch: bool = False
    """Send a RIO whose check key does not match the number instead of refusing it."""
    store_full_number: bool = False
    """Keep full numbers in history (masked otherwise)."""
    retention_days: Annotated[int, Meta(ge=0, le=3650)] = 30
    """Days lookups stay in history; 0 keeps nothing."""
    language: str | None = None
    """`en`, `zh` or `fr`: the language Portcheck speaks (`--lang` overrides it; unset, the
    locale decides)."""
    currency: str | None = None
    """What the providers' `price` is in (`CNY`, `EUR`, `¥`), written after every amount;
    unset, amounts are plain numbers."""
    server: ProviderUrl | None = None
    """A team server (`portcheck serve`): lookups and history go there, its region and
    providers are used, and no answer is kept on this machine."""
    agent_token: Secret | None = None
    """This agent's token for `server` (`env:PORTCHECK_AGENT_TOKEN`)."""
    agent_rate_limit: Annotated[int, Meta(ge=1, le=100_000)] | None = None
    """On a team server's own profile: lookups each agent may ask per minute (unset: no
    limit); past it, the agent is told when to try again."""

    def __post_init__(self) -> None:
        if self.language is not None and self.language not in LANGUAGES:
            raise FieldProblem(
                "language",
                _("unknown language {value}: use one of {names}").format(
                    value=repr(self.language), names=", ".join(LANGUAGES)
                ),
            )
        if self.currency is not None and not currency_ok(self.currency):
            raise FieldProblem(
                "currency",
                _("{value} is not a currency: use a code or a sign, such as CNY, EUR or ¥").format(
                    value=repr(self.currency)
                ),
            )
        if (self.server is None) != (self.agent_token is None):
            raise FieldProblem(
                "agent_token" if self.server else "server",
                _("server and agent_token go together: the team server's URL and your token")
                if self.server is None
                else _('is needed with server: agent_token = "env:PORTCHECK_AGENT_TOKEN"'),
            )
        for name in self.providers:
            if name not in PROVIDERS:
                raise FieldProblem(
                    "providers",
                    _("unknown provider {name}: valid providers are {names}").format(
                        name=repr(name), names=", ".join(PROVIDERS)
                    ),
                )
        if len(set(self.providers)) != len(self.providers):
            raise FieldProblem("providers", _("lists a provider twice"))
        if not self.providers:
            raise FieldProblem(
                "providers", _('is empty: list at least one provider, e.g. ["offline"]')
            )

    def provider_settings(self, name: str) -> ProviderSettings | None:
        """The `[profiles.X.<name>]` section, if present."""
        value = getattr(self, name, None)
        return value if isinstance(value, ProviderSettings) else None


SECTIONS: dict[str, type[ProviderSettings]] = {
    name: cls.settings_model for name, cls in PROVIDERS.items() if cls.settings_model is not None
}
"""The provider sections a profile may hold, by provider: built from the registry, so that
adding a provider does not touch this module."""

#: A profile: the base keys plus one optional section per provider that needs settings.
if TYPE_CHECKING:
    Profile = ProfileBase
else:
    Profile = defstruct(
        "Profile",
        [(name, model | None, None) for name, model in SECTIONS.items()],
        bases=(ProfileBase,),
        kw_only=True,
        forbid_unknown_fields=True,
        frozen=True,
    )


class ConfigFileModel(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The whole `config.toml`."""

    default_profile: str | None = None
    """Profile used when none is named."""
    profiles: dict[str, Profile] = field(default_factory=dict)
    """Profiles by name."""
    keymap: dict[str, str] = field(default_factory=dict)
    """The TUI's keys by binding id (`"history.toggle" = "f2"`); the help (F1) lists the ids."""

    def __post_init__(self) -> None:
        for binding, keys in self.keymap.items():
            if not keys.strip() or any(not key.strip() for key in keys.split(",")):
                raise FieldProblem(
                    f"keymap.{binding}",
                    _('{keys} names no key: write keys such as "f2" or "ctrl+h,f2"').format(
                        keys=repr(keys)
                    ),
                )
        keymap = {binding: keys.replace(" ", "") for binding, keys in self.keymap.items()}
        msgspec.structs.force_setattr(self, "keymap", keymap)


def _convert(data: Any, kind: type[T], where: str) -> T:
    """`data` as a `kind`, or a ConfigProblems listing what is wrong at `where`."""
    try:
        return msgspec.convert(data, kind, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise ConfigProblems([problem(str(exc), where, kind)]) from None
    except FieldProblem as exc:
        raise ConfigProblems([problem_at(_join(where, exc.key), exc.message)]) from None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def validate(data: dict[str, Any]) -> ConfigFileModel:
    """The whole file checked table by table, so that one mistake does not hide the next:
    every table's first problem is reported at once."""
    problems: list[str] = []
    profiles = data.get("profiles", {})
    if isinstance(profiles, dict):
        for name, profile in profiles.items():
            if not isinstance(profile, dict):
                problems.append(
                    problem_at(f"profiles.{name}", _("expected a table"), f"[profiles.{name}]")
                )
                continue
            for section, model in SECTIONS.items():
                if section in profile and not isinstance(profile[section], dict):
                    where = f"profiles.{name}.{section}"
                    problems.append(problem_at(where, _("expected a table"), f"[{where}]"))
                elif section in profile:
                    try:
                        _convert(profile[section], model, f"profiles.{name}.{section}")
                    except ConfigProblems as exc:
                        problems += exc.problems
            base = {k: v for k, v in profile.items() if k not in SECTIONS}
            try:
                _convert(base, ProfileBase, f"profiles.{name}")
            except ConfigProblems as exc:
                problems += exc.problems
    if problems:
        raise ConfigProblems(problems)
    return _convert(data, ConfigFileModel, "")


def build_profile(data: dict[str, Any]) -> ProfileBase:
    """A profile from plain data (the demo profile, tests)."""
    return _convert(data, Profile, "profile")


def profile_data(profile: ProfileBase) -> dict[str, Any]:
    """A profile as plain data again; secrets as their source, never their value."""
    data: dict[str, Any] = msgspec.to_builtins(profile, enc_hook=encode_hook)
    return data
