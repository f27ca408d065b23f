"""Refuse request bodies over their limit while they stream in, before anything buffers them."""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import PROBLEM_MEDIA_TYPE

# the requests that carry a surveyor's file
UPLOAD_PATHS = ("/imports", "/import-previews")


class BodyTooLarge(HTTPException):
    """The request body passed its limit (raised from inside the body stream)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit:,} bytes.")


class BodyLimitMiddleware:
    """413 for a body over its limit: at once when Content-Length says so, else mid-stream.

    Uploads (`POST /imports`, and their previews) get `upload_limit`; every other request
    `json_limit`.
    """

    def __init__(self, app: ASGIApp, *, upload_limit: int, json_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.json_limit = json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its body counted."""
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        upload = scope["path"].rstrip("/") in UPLOAD_PATHS
        limit = self.upload_limit if upload else self.json_limit
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": "/problems/too-large",
            "title": "Request too large",
            "status": 413,
            "detail": f"The request body is larger than the {limit:,} bytes allowed here.",
            "instance": scope["path"],
            "limit_bytes": limit,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
