"""Benchmark: validating config.toml with pydantic (what Portcheck uses) against msgspec
(what Harlequin uses), for start-up time and memory.

Each sample is a fresh process that first imports what a lookup needs anyway (httpx,
phonenumbers, click, asyncio, sqlite3), then measures importing the validation library,
defining the profile schema (the same fields, bounds and checks both ways, as in
`tui/core/providers/settings.py` and `tui/core/config/load.py`) and validating
`config.example.toml`:
wall time of that step, and the growth of peak RSS it causes. Alternated A, B, A, B….
Portcheck now validates with msgspec; measuring pydantic again needs `pip install pydantic`.
Run: `python bench/config_models.py [PAIRS]`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = """
import asyncio, sqlite3, tomllib, resource, time, gc
import httpx, phonenumbers, click
gc.collect()
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = tomllib.loads(open(%r, encoding="utf-8").read())
t0 = time.perf_counter()
"""

PYDANTIC = """
from typing import Annotated, Any
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, field_validator

class Secret:
    def __init__(self, text): self.text = text

def to_secret(v: Any) -> Secret:
    if not isinstance(v, str) or not v.strip(): raise ValueError("non-empty string")
    return Secret(v)

def check_url(v: Any) -> str:
    if not isinstance(v, str) or not v.startswith(("https://", "http://127.")):
        raise ValueError("https URL")
    return v.rstrip("/")

SecretField = Annotated[Secret, BeforeValidator(to_secret)]
Url = Annotated[str, BeforeValidator(check_url)]

class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    timeout: float | None = Field(default=None, gt=0, le=300)
    rate_limit: float | None = Field(default=None, gt=0)
    price: float | None = Field(default=None, ge=0)
    daily_budget: int | None = Field(default=None, ge=0)
    cache_ttl: float | None = Field(default=None, ge=0)

class ChinaMnp(Section):
    url: Url
    api_key: SecretField
    auth_header: str = "Authorization"
    auth_prefix: str = "APPCODE "

class Ip138(Section):
    base_url: Url
    token: SecretField

class Bouygues(Section):
    base_url: Url = "https://api.bouyguestelecom.fr"
    token_url: Url = "https://oauth2.bouyguestelecom.fr/token"
    client_id: str
    client_secret: SecretField
    source: str = "PORTCHECK"

class Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    region: str = "CN"
    providers: list[str] = Field(default_factory=lambda: ["offline"])
    timeout: float = Field(default=10.0, gt=0, le=300)
    allow_rio_mismatch: bool = False
    store_full_number: bool = False
    retention_days: int = Field(default=30, ge=0, le=3650)

    @field_validator("region")
    @classmethod
    def known(cls, v: str) -> str:
        if v.upper() not in phonenumbers.SUPPORTED_REGIONS: raise ValueError("region")
        return v.upper()

Profile = create_model("Profile", __base__=Base, china_mnp=(ChinaMnp | None, None),
                       ip138=(Ip138 | None, None), bouygues=(Bouygues | None, None))

class File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    default_profile: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=dict)
    keymap: dict[str, str] = Field(default_factory=dict)

model = File.model_validate(data)
assert model.profiles["work"].china_mnp.url.startswith("https://")
"""

MSGSPEC = """
from typing import Annotated, Any
import msgspec
from msgspec import Meta, Struct, field

class Secret:
    def __init__(self, text): self.text = text

class Url(str):
    pass

def dec_hook(kind: type, v: Any) -> Any:
    if kind is Secret:
        if not isinstance(v, str) or not v.strip(): raise ValueError("non-empty string")
        return Secret(v)
    if kind is Url:
        if not isinstance(v, str) or not v.startswith(("https://", "http://127.")):
            raise ValueError("https URL")
        return Url(v.rstrip("/"))
    raise NotImplementedError

Positive = Annotated[float, Meta(gt=0)]
NonNeg = Annotated[float, Meta(ge=0)]

class Section(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    timeout: Annotated[float, Meta(gt=0, le=300)] | None = None
    rate_limit: Positive | None = None
    price: NonNeg | None = None
    daily_budget: Annotated[int, Meta(ge=0)] | None = None
    cache_ttl: NonNeg | None = None

class ChinaMnp(Section, kw_only=True):
    url: Url
    api_key: Secret
    auth_header: str = "Authorization"
    auth_prefix: str = "APPCODE "

class Ip138(Section, kw_only=True):
    base_url: Url
    token: Secret

class Bouygues(Section, kw_only=True):
    base_url: Url = Url("https://api.bouyguestelecom.fr")
    token_url: Url = Url("https://oauth2.bouyguestelecom.fr/token")
    client_id: str
    client_secret: Secret
    source: str = "PORTCHECK"

class Profile(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    region: str = "CN"
    providers: list[str] = field(default_factory=lambda: ["offline"])
    timeout: Annotated[float, Meta(gt=0, le=300)] = 10.0
    allow_rio_mismatch: bool = False
    store_full_number: bool = False
    retention_days: Annotated[int, Meta(ge=0, le=3650)] = 30
    china_mnp: ChinaMnp | None = None
    ip138: Ip138 | None = None
    bouygues: Bouygues | None = None

    def __post_init__(self) -> None:
        if self.region.upper() not in phonenumbers.SUPPORTED_REGIONS: raise ValueError("region")

class File(Struct, forbid_unknown_fields=True, frozen=True):
    default_profile: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    keymap: dict[str, str] = field(default_factory=dict)

model = msgspec.convert(data, File, dec_hook=dec_hook)
assert model.profiles["work"].china_mnp.url.startswith("https://")
"""

REPORT = """
t1 = time.perf_counter()
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"ms": (t1 - t0) * 1000, "kib": rss1 - rss0}))
"""


def sample(body: str) -> dict[str, float]:
    code = "import json\n" + PRELUDE % str(ROOT / "config.example.toml") + body + REPORT
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    a: list[dict[str, float]] = []
    b: list[dict[str, float]] = []
    for _ in range(pairs):
        a.append(sample(PYDANTIC))
        b.append(sample(MSGSPEC))
    for name, runs in (("A pydantic", a), ("B msgspec", b)):
        ms = [r["ms"] for r in runs]
        mib = [r["kib"] / 1024 for r in runs]
        print(
            f"{name:<11} import+schema+validate median {statistics.median(ms):6.1f} ms "
            f"({min(ms):.1f}-{max(ms):.1f})   peak RSS growth {statistics.median(mib):5.1f} MiB"
        )
    ratios = [x["ms"] / y["ms"] for x, y in zip(a, b, strict=True)]
    print(
        f"pydantic / msgspec time: median {statistics.median(ratios):.1f}x "
        f"({min(ratios):.1f}-{max(ratios):.1f}, {pairs} pairs)"
    )


if __name__ == "__main__":
    main()
