"""Profiles: read, validate and resolve `config.toml`, or fall back to the demo profile."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import msgspec
import phonenumbers
from msgspec import Meta, Struct, defstruct, field

from tui.core import paths
from tui.core.config_errors import ConfigProblems, problem, problem_at
from tui.core.errors import ConfigError
from tui.core.policies import DEFAULT_TIMEOUT
from tui.core.providers import PROVIDERS, get_provider
from tui.core.settings import (
    FieldProblem,
    ProviderSettings,
    Seconds,
    Secret,
    decode_hook,
    encode_hook,
)

T = TypeVar("T")

DEMO = "demo"
"""Name of the built-in profile that runs against the sandbox."""


class RegionCode(str):
    """A region code phonenumbers knows, upper case (checked by `_decode`)."""

    __slots__ = ()


def _region(value: Any) -> RegionCode:
    region = value.strip().upper() if isinstance(value, str) else ""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} is not a region code: use two letters such as CN or FR")
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

    def __post_init__(self) -> None:
        for name in self.providers:
            if name not in PROVIDERS:
                raise FieldProblem(
                    "providers",
                    f"unknown provider {name!r}: valid providers are {', '.join(PROVIDERS)}",
                )
        if len(set(self.providers)) != len(self.providers):
            raise FieldProblem("providers", "lists a provider twice")
        if not self.providers:
            raise FieldProblem(
                "providers", 'is empty: list at least one provider, e.g. ["offline"]'
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
                    f'{keys!r} names no key: write keys such as "f2" or "ctrl+h,f2"',
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
                    problem_at(f"profiles.{name}", "expected a table", f"[profiles.{name}]")
                )
                continue
            for section, model in SECTIONS.items():
                if section in profile and not isinstance(profile[section], dict):
                    where = f"profiles.{name}.{section}"
                    problems.append(problem_at(where, "expected a table", f"[{where}]"))
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


@dataclass(frozen=True)
class ResolvedProfile:
    """A profile ready to use: validated, secrets present."""

    name: str
    """Its name in the file, or `demo`."""
    settings: ProfileBase
    """Its validated keys."""
    demo: bool = False
    """Whether this is the built-in demo running against the sandbox."""

    def provider_settings(self, name: str) -> ProviderSettings | None:
        """The provider's section, if any."""
        return self.settings.provider_settings(name)


@dataclass(frozen=True)
class Config:
    """What was found at the config path."""

    path: Path
    """Where the file is (or would be)."""
    model: ConfigFileModel | None
    """Its content, or None when there is no file."""

    @property
    def keymap(self) -> dict[str, str]:
        """The file's `[keymap]`: key strings by binding id (checked against the TUI's ids
        by the TUI, the only front end with keys)."""
        return dict(self.model.keymap) if self.model else {}

    @property
    def profile_names(self) -> list[str]:
        """Names that `profile()` accepts."""
        names = list(self.model.profiles) if self.model else []
        return names + ([DEMO] if DEMO not in names else [])

    @property
    def default_name(self) -> str:
        """The profile used when none is named."""
        if self.model is None or not self.model.profiles:
            return DEMO
        if self.model.default_profile:
            return self.model.default_profile
        if len(self.model.profiles) == 1:
            return next(iter(self.model.profiles))
        raise ConfigError(
            "several profiles and no default_profile",
            path=str(self.path),
            hint=f'add default_profile = "{next(iter(self.model.profiles))}" at the top, '
            "or pass --profile NAME",
        )

    def profile(
        self, name: str | None = None, *, demo: Callable[[], ProfileBase] | None = None
    ) -> ResolvedProfile:
        """The profile called `name` (default profile when None), secrets checked.

        `demo` builds the demo profile when that is the one chosen (it needs the sandbox's
        address, which the core does not know).
        """
        chosen = name or self.default_name
        profiles = self.model.profiles if self.model else {}
        if chosen in profiles:
            settings = profiles[chosen]
            _check_secrets(settings, chosen, self.path)
            return ResolvedProfile(chosen, settings)
        if chosen == DEMO and demo is not None:
            return ResolvedProfile(DEMO, demo(), demo=True)
        raise ConfigError(
            f"no profile named {chosen!r}",
            path=str(self.path),
            hint=f"profiles: {', '.join(self.profile_names)}",
        )


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the config file; a missing default file means the demo profile."""
    explicit = path is not None or bool(os.environ.get(paths.CONFIG_ENV))
    file = paths.config_file(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(
                "file not found",
                path=str(file),
                hint="check the path, or run `portcheck config init` to create it",
            ) from None
        return Config(file, None)
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", path=str(file)) from None
    return Config(file, parse_config(raw, file))


def parse_config(raw: bytes, file: Path) -> ConfigFileModel:
    """Validate TOML text; every problem is reported with its key path and a fix."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", path=str(file), hint="save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"is not valid TOML ({exc})",
            path=str(file),
            hint="check quotes, brackets and '=' near that line",
        ) from None
    try:
        model = validate(data)
    except ConfigProblems as exc:
        raise ConfigError(exc.describe(), path=str(file)) from None
    _check_references(model, file)
    _check_permissions(model, file)
    return model


def _check_references(model: ConfigFileModel, file: Path) -> None:
    for name, profile in model.profiles.items():
        for provider in profile.providers:
            cls = get_provider(provider)
            if cls.settings_model is not None and profile.provider_settings(provider) is None:
                raise ConfigError(
                    f"lists provider {provider!r} but has no [profiles.{name}.{provider}] table",
                    path=str(file),
                    key=f"profiles.{name}.providers",
                    hint=f"add [profiles.{name}.{provider}] (see config.example.toml) or "
                    "remove it from providers",
                )
    if model.default_profile and model.default_profile not in model.profiles:
        raise ConfigError(
            f"names {model.default_profile!r}, which is not a profile",
            path=str(file),
            key="default_profile",
            hint=f"profiles: {', '.join(model.profiles) or 'none: add [profiles.NAME]'}",
        )


def _secrets(model: ConfigFileModel) -> list[tuple[str, Secret]]:
    found = []
    for name, profile in model.profiles.items():
        for provider in PROVIDERS:
            section = profile.provider_settings(provider)
            if section is not None:
                found += [
                    (f"profiles.{name}.{provider}.{k}", s) for k, s in section.secrets().items()
                ]
    return found


def _check_permissions(model: ConfigFileModel, file: Path) -> None:
    literal = [key for key, secret in _secrets(model) if secret.is_literal]
    if not literal or os.name != "posix":
        return
    info = file.stat()
    if info.st_uid not in (os.getuid(), 0):  # as ssh: yours, or root's
        raise ConfigError(
            f"holds a literal secret ({literal[0]}) but belongs to {_owner(info.st_uid)}, "
            "not to you: whoever owns it can change where your credentials are sent",
            path=str(file),
            hint=f"copy it to a file of your own (cp {file} ~/.config/portcheck/config.toml, "
            "then chmod 600), or use env:NAME for secrets",
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"holds a literal secret ({literal[0]}) but other users can read it (mode {mode:03o})",
            path=str(file),
            hint=f"run: chmod 600 {file}   (or use env:NAME for secrets)",
        )


def _owner(uid: int) -> str:
    """`user alice (uid 1001)`, or `uid 1001` when the user has no name here."""
    import pwd

    try:
        return f"user {pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _check_secrets(profile: ProfileBase, name: str, file: Path) -> None:
    """Every secret of the profile's providers is there; else one error naming them all."""
    missing = [
        (f"profiles.{name}.{provider}.{key}", secret.env)
        for provider in profile.providers
        if (section := profile.provider_settings(provider)) is not None
        for key, secret in section.secrets().items()
        if not secret.available
    ]
    if not missing:
        return
    exports = " ".join(f"{env}=..." for _, env in missing)
    key, env = missing[0]
    listed = "".join(f"\n  {key}: {env}" for key, env in missing)
    raise ConfigError(
        f"needs environment variable {env}, which is not set"
        if len(missing) == 1
        else f"profile {name!r} needs {len(missing)} environment variables that are not set:"
        + listed,
        path=str(file),
        key=key if len(missing) == 1 else None,
        hint=f"export {exports} before running portcheck",
    )


def check_all(config: Config) -> list[str]:
    """Problems that would stop any profile of `config` from being used (for `config check`)."""
    problems = []
    for name in config.model.profiles if config.model else {}:
        try:
            config.profile(name)
        except ConfigError as exc:
            problems.append(exc.message)
    return problems


def build_profile(data: dict[str, Any]) -> ProfileBase:
    """A profile from plain data (the demo profile, tests)."""
    return _convert(data, Profile, "profile")


def profile_data(profile: ProfileBase) -> dict[str, Any]:
    """A profile as plain data again; secrets as their source, never their value."""
    data: dict[str, Any] = msgspec.to_builtins(profile, enc_hook=encode_hook)
    return data
