"""`/v1/openapi.json` describes the API as it answers: every route the server has is in it,
and real answers (and refusals) are valid against the schemas it gives for them."""

from __future__ import annotations

from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.server_helpers import TeamServer
from tui.sandbox.server import SandboxServer

LAYER = "database"
NUMBER = "13800138000"


def validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    """A validator for the component `name`, its references resolved in the document (and
    the check schema by its own $id)."""
    check = document["components"]["schemas"]["Check"]
    registry: Registry[Any] = Registry().with_resources(
        [
            ("urn:portcheck:openapi", DRAFT202012.create_resource(document)),
            (check["$id"], Resource.from_contents(check)),
        ]
    )
    # The embedded check schema is a resource of its own ($id), as JSON Schema 2020-12 (and
    # so OpenAPI 3.1) has it; `referencing` does not look for one under `components`.
    target = (
        check["$id"] if name == "Check" else f"urn:portcheck:openapi#/components/schemas/{name}"
    )
    return Draft202012Validator({"$ref": target}, registry=registry)


def problems(document: dict[str, Any], name: str, data: object) -> list[str]:
    found = validator(document, name).iter_errors(data)
    return [f"{name} {list(e.absolute_path)}: {e.message}" for e in found]


def test_the_description_matches_the_routes_and_real_answers(
    team: TeamServer, sandbox: SandboxServer
) -> None:
    from tui.server.api import create_app
    from tui.server.team import Settings

    document = httpx.get(f"{team.url}/v1/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    app = create_app(Settings("postgresql:///unused"))
    paths = {r.path.replace(":int}", "}") for r in app.routes}  # type: ignore[attr-defined]
    routes = paths - {"/metrics", "/v1/openapi.json"}
    assert routes <= set(document["paths"]), routes - set(document["paths"])

    ana, sam = team.add_agent("ana"), team.add_agent("sam", "supervisor")
    with team.client(ana) as client:
        answered = client.post("/v1/lookups", json={"number": NUMBER})
        invalid = client.post("/v1/lookups", json={"number": "123"})
        profile = client.get("/v1/profile")
        latest = client.get("/v1/history")
        one = client.get(f"/v1/history/{latest.json()['lookups'][0]['id']}")
        count = client.get("/v1/history/count")
        spent = client.get("/v1/spent")
        forbidden = client.get("/v1/audit")
    with team.client(sam) as client:
        usage = client.get("/v1/usage")
        audit = client.get("/v1/audit")
        export = client.get("/v1/history/export")
        purge = client.post("/v1/history/purge", json={"everything": True, "dry_run": True})
    with team.client("pct_unknown") as client:
        unknown = client.get("/v1/profile")
    checks = [
        ("Check", answered, 200), ("Error", invalid, 422), ("Profile", profile, 200),
        ("Lookups", latest, 200), ("Record", one, 200), ("Count", count, 200),
        ("Spent", spent, 200), ("Error", forbidden, 403), ("Usage", usage, 200),
        ("Audit", audit, 200), ("Error", unknown, 401), ("Export", export, 200),
        ("Count", purge, 200),
    ]  # fmt: skip
    for name, response, status in checks:
        assert response.status_code == status, (name, response.text)
        documented = document["paths"]
        assert problems(document, name, response.json()) == []
    assert str(422) in documented["/v1/lookups"]["post"]["responses"]
    assert "403" in documented["/v1/audit"]["get"]["responses"]
