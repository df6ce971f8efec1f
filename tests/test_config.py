"""Profiles: validation messages, secrets, permissions, plain http, the demo fallback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.cli.template import example_config
from tui.core.config.load import DEMO, check_all, load_config
from tui.core.config.model import build_profile, profile_data
from tui.core.errors import ConfigError
from tui.demo import demo_profile

LAYER = "unit"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


GOOD = """
default_profile = "work"
[profiles.work]
region = "CN"
providers = ["offline", "ip138"]
[profiles.work.ip138]
base_url = "https://x.api.ip138.com"
token = "env:IP138_TOKEN"
"""


def test_no_file_means_demo(home: Path) -> None:
    config = load_config()
    assert config.model is None
    assert config.default_name == DEMO
    profile = config.profile(demo=lambda: demo_profile("http://127.0.0.1:9"))
    assert profile.demo and profile.settings.providers[0] == "offline"


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.layer("command")
def test_env_var_points_at_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "c.toml", GOOD)
    monkeypatch.setenv("PORTCHECK_CONFIG", str(path))
    monkeypatch.setenv("IP138_TOKEN", "t0ken")
    profile = load_config().profile()
    assert profile.name == "work"
    assert profile.provider_settings("ip138").token.reveal() == "t0ken"  # type: ignore[union-attr]


def test_missing_env_secret_names_key_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IP138_TOKEN", raising=False)
    config = load_config(write(tmp_path / "c.toml", GOOD))
    with pytest.raises(ConfigError) as err:
        config.profile()
    text = str(err.value)
    assert "profiles.work.ip138.token" in text and "IP138_TOKEN" in text and "export" in text
    assert check_all(config)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            GOOD.replace('region = "CN"', 'regoin = "CN"'),
            ["profiles.work.regoin", "unknown key", "did you mean 'region'?"],
        ),
        (
            GOOD.replace("base_url =", "base_ulr ="),
            ["profiles.work.ip138.base_ulr", "did you mean 'base_url'?"],
        ),
        ("default_profil = 'work'\n" + GOOD[GOOD.index("[profiles") :], ["'default_profile'?"]),
        (GOOD.replace('region = "CN"', 'region = "XX"'), ["profiles.work.region", "two letters"]),
        (
            GOOD.replace('"offline", "ip138"', '"offline", "ip139"'),
            ["profiles.work.providers", "unknown provider 'ip139'", "china_mnp"],
        ),
        (GOOD + "timeout = 'fast'\n", ["profiles.work.ip138.timeout", "expected a number"]),
        (GOOD.replace("https://x", "http://x"), ["profiles.work.ip138.base_url", "https://"]),
        (GOOD.replace('token = "env:IP138_TOKEN"', ""), ["profiles.work.ip138.token", "required"]),
        (
            GOOD.replace('default_profile = "work"', 'default_profile = "home"'),
            ["default_profile", "'home'"],
        ),
        (
            GOOD.replace('"offline", "ip138"', '"offline", "china_mnp"'),
            ["[profiles.work.china_mnp]"],
        ),
        ("[profiles.work\nregion=1", ["not valid TOML", "line"]),
    ],
)
def test_mistakes_are_reported_with_file_key_and_fix(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_plain_http_to_loopback_is_allowed(tmp_path: Path) -> None:
    text = GOOD.replace("https://x.api.ip138.com", "http://127.0.0.1:8787/ip138")
    assert load_config(write(tmp_path / "c.toml", text)).model is not None


def test_readable_file_with_literal_secret_is_refused_with_chmod(tmp_path: Path) -> None:
    text = GOOD.replace('"env:IP138_TOKEN"', '"literal-token"')
    path = write(tmp_path / "c.toml", text, mode=0o644)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"chmod 600 {path}" in str(err.value)
    assert "literal-token" not in str(err.value)
    os.chmod(path, 0o600)
    assert load_config(path).profile().name == "work"


def test_env_only_secrets_may_be_in_a_readable_file(tmp_path: Path) -> None:
    assert load_config(write(tmp_path / "c.toml", GOOD, mode=0o644)).model is not None


def test_several_profiles_need_a_default(tmp_path: Path) -> None:
    text = GOOD.replace('default_profile = "work"', "") + '[profiles.home]\nregion = "FR"\n'
    config = load_config(write(tmp_path / "c.toml", text))
    with pytest.raises(ConfigError, match="default_profile"):
        config.profile()
    assert config.profile("home").settings.region == "FR"


def test_unknown_profile_lists_the_known_ones(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "c.toml", GOOD))
    with pytest.raises(ConfigError, match="work, demo"):
        config.profile("nope")


def test_example_config_is_valid_and_documents_every_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("CN_MNP_KEY", "IP138_TOKEN", "BYTEL_SECRET"):
        monkeypatch.setenv(var, "x")
    path = write(tmp_path / "c.toml", example_config())
    config = load_config(path)
    assert check_all(config) == []
    text = example_config()
    from tui.core.config.model import ProfileBase
    from tui.core.providers.registry import PROVIDERS

    keys = set(ProfileBase.__struct_fields__)
    for cls in PROVIDERS.values():
        if cls.settings_model is not None:
            keys |= set(cls.settings_model.__struct_fields__)
    missing = [k for k in keys if f"{k} =" not in text]
    assert missing == []
    repo_copy = Path(__file__).parents[1] / "config.example.toml"
    assert repo_copy.read_text(encoding="utf-8") == text


def test_secrets_never_show_in_repr() -> None:
    profile = build_profile(
        {
            "providers": ["offline", "ip138"],
            "ip138": {"base_url": "https://a.b", "token": "s3cr3t-value"},
        }
    )
    assert "s3cr3t-value" not in repr(profile)
    assert "s3cr3t-value" not in str(profile_data(profile))


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_file_with_a_literal_secret_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    from tui.core.config.load import load_config
    from tui.core.errors import ConfigError

    path = tmp_path / "c.toml"
    path.write_text(
        '[profiles.p]\nproviders = ["offline", "ip138"]\n'
        '[profiles.p.ip138]\nbase_url = "https://x.example"\ntoken = "literal-token"\n',
        encoding="utf-8",
    )
    os.chmod(path, 0o600)
    os.chown(path, 54321, -1)
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert "belongs to uid 54321" in refused.value.message
    assert "literal-token" not in refused.value.message
    os.chown(path, os.getuid(), -1)
    load_config(path)  # the same file, once it is yours


def test_a_far_off_key_gets_no_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path / "c.toml", GOOD + "[profiles.work.ip138.zzz]\n"))
    assert "profiles.work.ip138.zzz" in str(err.value)
    assert "did you mean" not in str(err.value)


def test_config_check_lists_every_missing_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IP138_TOKEN", raising=False)
    monkeypatch.delenv("MNP_KEY", raising=False)
    text = GOOD.replace('"offline", "ip138"', '"offline", "china_mnp", "ip138"') + (
        '[profiles.work.china_mnp]\nurl = "https://mnp.example.com/x"\napi_key = "env:MNP_KEY"\n'
    )
    (problem,) = check_all(load_config(write(tmp_path / "c.toml", text)))
    assert "needs 2 environment variables" in problem
    assert "profiles.work.china_mnp.api_key: MNP_KEY" in problem
    assert "profiles.work.ip138.token: IP138_TOKEN" in problem
    assert "export MNP_KEY=... IP138_TOKEN=..." in problem


def test_a_mistake_in_each_table_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        GOOD.replace('region = "CN"', 'region = "CN"\ntimeout = -1').replace(
            "base_url =", "base_ulr ="
        )
        + '[profiles.home]\nregion = "FR"\nretention_days = "long"\n'
    )
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path / "c.toml", text))
    message = str(err.value)
    assert "3 problems" in message
    assert "profiles.work.timeout: must be > 0" in message
    assert "profiles.work.ip138.base_ulr: unknown key" in message
    assert "profiles.home.retention_days: expected a whole number" in message


def test_a_provider_table_that_is_not_a_table_says_so(tmp_path: Path) -> None:
    text = GOOD.replace("[profiles.work.ip138]\n", "ip138 = 3\n[profiles.work.x]\n")
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path / "c.toml", text))
    assert "profiles.work.ip138: expected a table ([profiles.work.ip138])" in str(err.value)
