"""A tiny S3-compatible HTTP server for the tests: objects in a dict, requests checked.

Every request must be signed with AWS Signature V4 by the expected key pair:
an ``Authorization`` header of the documented form, ``x-amz-date`` and
``x-amz-content-sha256`` signed, the content hash matching the body, and the
signature matching the request as received (host, path and headers as they
arrived on the wire). Anything else answers 403 and is recorded in
``invalid``, so a test asserts there was none. Objects live under
``{prefix}/{bucket}/{key}``, path-style, like Supabase Storage's S3 endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response

from concierge_common.bus.health import HttpServer
from concierge_common.storage.sigv4 import Credentials, canonical_request, signing_key

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/s3/aws4_request,"
    r" SignedHeaders=(?P<names>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)
_REQUIRED_SIGNED = {"host", "x-amz-date", "x-amz-content-sha256"}


@dataclass
class FakeS3:
    credentials: Credentials
    region: str
    prefix: str  # the endpoint's path, e.g. "/storage/v1/s3"
    bucket: str
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    fail_status: int = 0

    def app(self) -> FastAPI:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        app.add_api_route("/{path:path}", self._route, methods=["GET", "PUT", "HEAD", "DELETE"])
        return app

    async def _route(self, path: str, request: Request) -> Response:
        body = await request.body()
        problem = self._signature_problem(request, body)
        if problem:
            self.invalid.append(problem)
            return Response(status_code=403)
        key = self._key_of(request.url.path)
        if key is None:
            self.invalid.append(f"path outside {self.prefix}/{self.bucket}/")
            return Response(status_code=404)
        self.requests.append((request.method, key))
        if self.fail_status:
            return Response(status_code=self.fail_status)
        return self._answer(request, key, body)

    def _answer(self, request: Request, key: str, body: bytes) -> Response:
        if request.method == "PUT":
            self.objects[key] = (body, request.headers.get("content-type", ""))
            return Response(status_code=200)
        if request.method == "DELETE":
            self.objects.pop(key, None)
            return Response(status_code=204)  # S3 answers the same when nothing was there
        if key not in self.objects:
            return Response(status_code=404)
        data, mimetype = self.objects[key]
        if request.method == "HEAD":
            return Response(status_code=200, headers={"content-length": str(len(data))})
        return Response(data, media_type=mimetype)

    def _key_of(self, raw_path: str) -> str | None:
        root = f"{self.prefix}/{self.bucket}/"
        return raw_path[len(root) :] if raw_path.startswith(root) else None

    def _signature_problem(self, request: Request, body: bytes) -> str:
        match = _AUTHORIZATION.match(request.headers.get("authorization", ""))
        if match is None:
            return "Authorization header missing or of the wrong form"
        if match["key"] != self.credentials.access_key or match["region"] != self.region:
            return "wrong access key or region in the credential scope"
        names = match["names"].split(";")
        if not set(names) >= _REQUIRED_SIGNED:
            return f"unsigned required headers: {sorted(_REQUIRED_SIGNED - set(names))}"
        if request.headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            return "x-amz-content-sha256 does not match the body"
        expected = self._expected_signature(request, names, match["day"])
        if not hmac.compare_digest(expected, match["signature"]):
            return "signature does not match the request as received"
        return ""

    def _expected_signature(self, request: Request, names: list[str], day: str) -> str:
        raw_path = request.scope.get("raw_path", b"").decode() or request.url.path
        query = request.url.query
        url = f"http://{request.headers['host']}{raw_path}" + (f"?{query}" if query else "")
        headers = {name: request.headers.get(name, "") for name in names}
        _, canonical = canonical_request(
            request.method, url, headers, request.headers["x-amz-content-sha256"]
        )
        to_sign = "\n".join(
            (
                "AWS4-HMAC-SHA256",
                request.headers["x-amz-date"],
                f"{day}/{self.region}/s3/aws4_request",
                hashlib.sha256(canonical.encode()).hexdigest(),
            )
        )
        key = signing_key(self.credentials.secret_key, day, self.region, "s3")
        return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


async def serve_s3(fake: FakeS3) -> HttpServer:
    server = HttpServer(fake.app(), "127.0.0.1", 0)
    await server.start()
    return server
