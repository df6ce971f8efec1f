"""The API's OpenAPI 3.1 description, served at `/v1/openapi.json`, so that a call center's CRM
can call it. A lookup's answer is the shipped `check --json` schema itself (its own `$id`),
and `tests/test_openapi.py` checks the description against real responses."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from tui import __version__

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"

NULLABLE_TEXT = {"type": ["string", "null"]}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["kind", "message"],
            "properties": {
                "kind": {"type": "string", "description": "An error kind of `check --json`."},
                "message": {"type": "string", "description": "For a person: show it as it is."},
            },
        },
        "number": {"description": "With a 422: what is known of the number."},
    },
}
SUMMARY = {
    "type": "object",
    "required": ["id", "created", "profile", "masked", "region", "verdict"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "created": {"type": "number", "description": "Unix time."},
        "profile": {"type": "string"},
        "masked": {"type": "string", "description": "The number, masked: 138****8000."},
        "full_number": NULLABLE_TEXT,
        "region": NULLABLE_TEXT,
        "verdict": NULLABLE_TEXT,
    },
}
LOOKUP_REQUEST = {
    "type": "object",
    "required": ["number"],
    "properties": {
        "number": {"type": "string", "maxLength": 64, "description": "Any form: 138 0013 8000."},
        "rio": {"type": ["string", "null"], "description": "A French RIO, for Bouygues."},
        "providers": {"type": ["array", "null"], "items": {"type": "string"}},
        "refresh": {"type": "boolean", "description": "Ask again even where an answer is fresh."},
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


REFUSED = {
    "401": _json(_ref("Error"), "No token, or one unknown or revoked."),
    "403": _json(_ref("Error"), "A supervisor's endpoint, asked by an agent."),
}


def _get(summary: str, schema: str, *, supervisor: bool = False, **extra: Any) -> dict[str, Any]:
    responses = {"200": _json(_ref(schema), summary), **REFUSED}
    if not supervisor:
        responses.pop("403")
    return {"get": {"summary": summary, "responses": responses, **extra}}


@cache
def document() -> dict[str, Any]:
    check = json.loads((SCHEMAS / "check.schema.json").read_text(encoding="utf-8"))
    days = [{"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1}}]
    lookup_id = [
        {"name": "lookup_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Portcheck team server", "version": __version__},
        "security": [{"agentToken": []}],
        "paths": {
            "/v1/lookups": {
                "post": {
                    "summary": "Look a number up (streamed as NDJSON with that Accept header).",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("LookupRequest")}},
                    },
                    "responses": {
                        "200": {
                            "description": "The lookup; or one JSON line per provider answer"
                            " ({event: result}), then {event: lookup}.",
                            "content": {
                                "application/json": {"schema": _ref("Check")},
                                "application/x-ndjson": {"schema": {"type": "object"}},
                            },
                        },
                        "400": _json(_ref("Error"), "The body is not a lookup."),
                        "413": _json(_ref("Error"), "The body is over 16 KiB."),
                        "422": _json(_ref("Error"), "Not a number that can be looked up."),
                        "429": _json(_ref("Error"), "Past the agent's lookups per minute."),
                        **REFUSED,
                    },
                }
            },
            "/v1/profile": _get("The caller, the region and the providers.", "Profile"),
            "/v1/history": _get(
                "The caller's latest lookups (a supervisor's: the team's).", "Lookups"
            ),
            "/v1/history/search": {
                "post": {
                    "summary": "Lookups of a number (in the body, never the URL) or text.",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "number": NULLABLE_TEXT,
                                        "text": {"type": "string"},
                                        "limit": {"type": "integer"},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {"200": _json(_ref("Lookups"), "Newest first."), **REFUSED},
                }
            },
            "/v1/history/count": _get("How many lookups the caller sees.", "Count"),
            "/v1/history/{lookup_id}": _get(
                "One lookup, as it was answered.", "Record", parameters=lookup_id
            )
            | {
                "delete": {
                    "summary": "Forget one lookup for good (supervisors).",
                    "parameters": lookup_id,
                    "responses": {"200": _json(_ref("Deleted"), "Whether it existed."), **REFUSED},
                }
            },
            "/v1/history/purge": {
                "post": {
                    "summary": "Forget lookups by age or number, or all (supervisors).",
                    "requestBody": {"content": {"application/json": {"schema": _ref("Purge")}}},
                    "responses": {
                        "200": _json(_ref("Count"), "How many (or would be)."),
                        **REFUSED,
                    },
                }
            },
            "/v1/history/export": _get(
                "Whole lookups after an id, oldest first (supervisors).",
                "Export",
                supervisor=True,
                parameters=[
                    {"name": "after", "in": "query", "schema": {"type": "integer"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                ],
            ),
            "/v1/usage": _get("Billed queries per day.", "Usage", supervisor=True, parameters=days),
            "/v1/audit": _get(
                "Who asked about which number.", "Audit", supervisor=True, parameters=days
            ),
            "/v1/spent": _get("Today's billed queries per provider.", "Spent"),
            "/healthz": {
                "get": {
                    "summary": "200 while the database answers.",
                    "security": [],
                    "responses": {
                        "200": {"description": "ok"},
                        "503": {"description": "database down"},
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"agentToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Check": check,
                "Error": ERROR,
                "LookupRequest": LOOKUP_REQUEST,
                "Summary": SUMMARY,
                "Lookups": {
                    "type": "object",
                    "required": ["lookups"],
                    "properties": {"lookups": {"type": "array", "items": _ref("Summary")}},
                },
                "Record": {
                    "type": "object",
                    "required": ["summary", "results"],
                    "properties": {
                        "summary": _ref("Summary"),
                        "results": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "Deleted": {
                    "type": "object",
                    "required": ["deleted"],
                    "properties": {"deleted": {"type": "boolean"}},
                },
                "Purge": {
                    "type": "object",
                    "properties": {
                        "older_than": {"type": ["number", "null"], "description": "Seconds."},
                        "number": NULLABLE_TEXT,
                        "everything": {"type": "boolean"},
                        "dry_run": {"type": "boolean", "description": "Count only."},
                    },
                },
                "Export": {
                    "type": "object",
                    "required": ["records"],
                    "properties": {"records": {"type": "array", "items": _ref("Record")}},
                },
                "Count": {
                    "type": "object",
                    "required": ["count"],
                    "properties": {"count": {"type": "integer"}},
                },
                "Profile": {
                    "type": "object",
                    "required": ["agent", "region", "providers"],
                    "properties": {
                        "agent": {
                            "type": "object",
                            "required": ["name", "role"],
                            "properties": {
                                "name": {"type": "string"},
                                "role": {"enum": ["agent", "supervisor"]},
                            },
                        },
                        "region": {"type": "string"},
                        "providers": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "title", "uses_rio"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "title": {"type": "string"},
                                    "uses_rio": {"type": "boolean"},
                                },
                            },
                        },
                    },
                },
                "Usage": {
                    "type": "object",
                    "required": ["usage"],
                    "properties": {
                        "usage": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["day", "profile", "provider", "billed", "unknown"],
                            },
                        },
                        "warnings": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "Audit": {
                    "type": "object",
                    "required": ["audit"],
                    "properties": {
                        "audit": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["created", "agent", "masked", "billed", "lookup_id"],
                                "properties": {
                                    "masked": {"type": "string"},
                                    "agent": {"type": "string"},
                                },
                            },
                        }
                    },
                },
                "Spent": {
                    "type": "object",
                    "required": ["spent"],
                    "properties": {
                        "spent": {
                            "type": "object",
                            "additionalProperties": {"type": ["integer", "null"]},
                        }
                    },
                },
            },
        },
    }
