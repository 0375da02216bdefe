"""Fetching what the prefetch lacks from the client's FHIR server (CDS Hooks 2.0, "FHIR Resource Access":
the request's fhirServer with the bearer token of fhirAuthorization).

The service only calls a FHIR server it may trust: when the call's JWT was verified (--trusted-issuers),
any https server; in development mode, only a server on this machine's loopback, so that an
unauthenticated caller cannot make the service fetch from, or probe, other hosts. Each query is the
service's own prefetch template with the patient id filled in (URL-quoted); searchset pages are
followed by their `next` link on the same server, within a page and byte limit and a deadline.
"""
from __future__ import annotations

import ipaddress
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .prefetch import PREFETCH, TOKEN

MAX_PAGES = 20
TIMEOUT_S = 10.0  # for all the fetches of one call: the EHR waits for the cards


class FetchProblem(Exception):
    """A key that could not be fetched: (JSON path, message) each, answered 412."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(m for _, m in problems))


def _loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed(server: str, verified: bool) -> str | None:
    """Why the service will not call this server, or None."""
    scheme = urllib.parse.urlsplit(server).scheme
    if verified:
        return None if scheme == "https" else "fhirServer must be https when production data is exchanged"
    if scheme in ("http", "https") and _loopback(server):
        return None
    return ("in development mode (no --trusted-issuers) spinepath fetches only from a FHIR server on loopback; "
            "send the prefetch instead")


def _same_origin(a: str, b: str) -> bool:
    x, y = urllib.parse.urlsplit(a), urllib.parse.urlsplit(b)
    return (x.scheme, x.netloc) == (y.scheme, y.netloc)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is here: following it could lead to any host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def _get(url: str, token: str, deadline: float, max_bytes: int) -> Any:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                   "Accept": "application/fhir+json"})
    with _OPENER.open(request, timeout=left) as response:  # the scheme and host checked by allowed()
        raw = response.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ValueError(f"the answer is larger than {max_bytes} bytes")
    return json.loads(raw)


def fetch(server: str, token: str, patient_id: str, keys: list[str], max_bytes: int,
          optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """The prefetch values of `keys`, fetched; FetchProblem naming each key that failed, except the
    optional ones (a server may not offer every search), which are then left out."""
    base = server.rstrip("/")
    deadline = time.monotonic() + TIMEOUT_S
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key in keys:
        before = len(problems)
        url = f"{base}/{PREFETCH[key].replace(TOKEN, urllib.parse.quote(patient_id, safe=''))}"
        try:
            value = _get(url, token, deadline, max_bytes)
            if isinstance(value, dict) and value.get("resourceType") == "Bundle":
                pages = 1
                page = value
                while pages < MAX_PAGES:
                    following = next((link.get("url") for link in page.get("link") or []
                                      if isinstance(link, dict) and link.get("relation") == "next"), None)
                    if not isinstance(following, str) or not _same_origin(following, base):
                        break
                    page = _get(following, token, deadline, max_bytes)
                    if not isinstance(page, dict):
                        break
                    value.setdefault("entry", []).extend(page.get("entry") or [])
                    pages += 1
            out[key] = value
        except urllib.error.HTTPError as exc:
            problems.append((f"$.prefetch.{key}", f"the FHIR server answered {exc.code} to {PREFETCH[key]}"))
        except (urllib.error.URLError, TimeoutError, OSError):
            problems.append((f"$.prefetch.{key}", f"the FHIR server could not be reached for {PREFETCH[key]}"))
        except ValueError as exc:
            problems.append((f"$.prefetch.{key}", f"the FHIR server's answer to {PREFETCH[key]} is not usable: "
                                                  f"{str(exc)[:120]}"))
        if key in optional:
            del problems[before:]
    if problems:
        raise FetchProblem(problems)
    return out
