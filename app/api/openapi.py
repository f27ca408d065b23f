"""The OpenAPI document: every error answer described as what it is, problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.schemas.common import Problem

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

# answers any operation can give, whatever its own logic
ANY_OPERATION = {
    "401": "The API key is malformed, unknown or revoked.",
    "422": "The request does not match the API (parameters, headers, body).",
    "503": "The database cannot be reached right now.",
}
# Headers a write cannot go without. The app takes them as optional so that a missing one is
# answered 428 Precondition Required with a problem saying what to send, not a bare 422;
# the document says what a client must send.
REQUIRED_HEADERS = {"If-Match"}
WITH_BODY = {
    "400": "The body cannot be parsed.",
    "413": "The body is larger than the limit.",
}


def install(app: FastAPI) -> None:
    """Make the app's /openapi.json describe errors as problem+json, common ones included."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" not in schemas:
            schemas["Problem"] = Problem.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
        for item in document.get("paths", {}).values():
            for method, operation in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") == "header" and parameter["name"] in REQUIRED_HEADERS:
                        parameter["required"] = True
                        parameter["schema"] = {"type": "string", "minLength": 1}
                responses = operation.setdefault("responses", {})
                common = dict(ANY_OPERATION)
                if "requestBody" in operation:
                    common.update(WITH_BODY)
                for status, description in common.items():
                    responses.setdefault(status, {"description": description})
                for status, response in responses.items():
                    if status.isdigit() and int(status) >= 400:
                        response["content"] = {PROBLEM: {"schema": PROBLEM_REF}}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
