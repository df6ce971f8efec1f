"""Profiles: read, validate and resolve `config.toml`, or fall back to the demo profile."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.core import paths
from tui.core.config.errors import ConfigProblems
from tui.core.config.model import ConfigFileModel, ProfileBase, validate
from tui.core.errors import ConfigError
from tui.core.i18n import _
from tui.core.providers.registry import PROVIDERS, get_provider
from tui.core.providers.settings import ProviderSettings, Secret

DEMO = "demo"
"""Name of the built-in profile that runs against the sandbox."""


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

    def region_of(self, name: str | None) -> str:
        """The region of profile `name` (None: the default profile), else CN: searching
        history must not need a working profile."""
        try:
            name = name or self.default_name
        except ConfigError:
            return "CN"
        chosen = self.model.profiles.get(name) if self.model else None
        return chosen.region if chosen else "CN"

    def price_of(self, profile: str, provider: str) -> tuple[float | None, str | None]:
        """What one billed query to `provider` costs under `profile`, and in which currency
        (None: no price set, or the profile is gone)."""
        chosen = self.model.profiles.get(profile) if self.model else None
        section = chosen.provider_settings(provider) if chosen else None
        return (section.price if section else None), (chosen.currency if chosen else None)

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
            _("several profiles and no default_profile"),
            path=str(self.path),
            hint=_('add default_profile = "{name}" at the top, or pass --profile NAME').format(
                name=next(iter(self.model.profiles))
            ),
        )

    def serves(self, name: str | None = None) -> bool:
        """Whether the profile called `name` (default: the default one) is a team server's."""
        profiles = self.model.profiles if self.model else {}
        chosen = profiles.get(name or self.default_name)
        return chosen is not None and chosen.server is not None

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
            _("no profile named {name}").format(name=repr(chosen)),
            path=str(self.path),
            hint=_("profiles: {names}").format(names=", ".join(self.profile_names)),
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
                _("file not found"),
                path=str(file),
                hint=_("check the path, or run `portcheck config init` to create it"),
            ) from None
        return Config(file, None)
    except OSError as exc:
        raise ConfigError(
            _("cannot be read ({error})").format(error=exc.strerror), path=str(file)
        ) from None
    return Config(file, parse_config(raw, file))


def parse_config(raw: bytes, file: Path) -> ConfigFileModel:
    """Validate TOML text; every problem is reported with its key path and a fix."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(
            _("is not UTF-8 text"), path=str(file), hint=_("save it as UTF-8")
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("is not valid TOML ({error})").format(error=exc),
            path=str(file),
            hint=_("check quotes, brackets and '=' near that line"),
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
                    _(
                        "lists provider {provider} but has no [profiles.{name}.{table}] table"
                    ).format(provider=repr(provider), name=name, table=provider),
                    path=str(file),
                    key=f"profiles.{name}.providers",
                    hint=_(
                        "add [profiles.{name}.{provider}] (see config.example.toml) or "
                        "remove it from providers"
                    ).format(name=name, provider=provider),
                )
    if model.default_profile and model.default_profile not in model.profiles:
        raise ConfigError(
            _("names {name}, which is not a profile").format(name=repr(model.default_profile)),
            path=str(file),
            key="default_profile",
            hint=_("profiles: {names}").format(
                names=", ".join(model.profiles) or _("none: add [profiles.NAME]")
            ),
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
            _(
                "holds a literal secret ({key}) but belongs to {owner}, "
                "not to you: whoever owns it can change where your credentials are sent"
            ).format(key=literal[0], owner=_owner(info.st_uid)),
            path=str(file),
            hint=_(
                "copy it to a file of your own (cp {file} ~/.config/portcheck/config.toml, "
                "then chmod 600), or use env:NAME for secrets"
            ).format(file=file),
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise ConfigError(
            _("holds a literal secret ({key}) but other users can read it (mode {mode})").format(
                key=literal[0], mode=f"{mode:03o}"
            ),
            path=str(file),
            hint=_("run: chmod 600 {file}   (or use env:NAME for secrets)").format(file=file),
        )


def _owner(uid: int) -> str:
    """`user alice (uid 1001)`, or `uid 1001` when the user has no name here."""
    import pwd

    try:
        return _("user {name} (uid {uid})").format(name=pwd.getpwuid(uid).pw_name, uid=uid)
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
    if profile.agent_token is not None and not profile.agent_token.available:
        missing.append((f"profiles.{name}.agent_token", profile.agent_token.env))
    if not missing:
        return
    exports = " ".join(f"{env}=..." for _key, env in missing)
    key, env = missing[0]
    listed = "".join(f"\n  {key}: {env}" for key, env in missing)
    raise ConfigError(
        _("needs environment variable {env}, which is not set").format(env=env)
        if len(missing) == 1
        else _("profile {name} needs {count} environment variables that are not set:").format(
            name=repr(name), count=len(missing)
        )
        + listed,
        path=str(file),
        key=key if len(missing) == 1 else None,
        hint=_("export {exports} before running portcheck").format(exports=exports),
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
