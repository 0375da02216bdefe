"""Trusting CDS Clients: the JWT every call carries, checked against the issuers the operator trusts.

CDS Hooks 2.0, "Trusting CDS Clients" (HL7/cds-hooks input/pagecontent/index.md): each call carries
`Authorization: Bearer {JWT}`, signed with the client's private key; the header has alg, kid and typ
JWT (jku optional); the payload iss, aud (the URL of the endpoint called), exp, iat and jti (a nonce
against replay); `none` and symmetric (HMAC) algorithms SHALL NOT be used; services SHOULD keep an
allowlist of issuers. The allowlist is the file of --trusted-issuers (YAML or JSON):

    issuers:
      - iss: https://ehr.example.org
        jwks: {keys: [...]}              # the issuer's JWK Set, or
        jwks_file: ehr-jwks.json         # a file beside this one holding it

The JWK Sets are read from the file (the out-of-band exchange the specification allows when the
token has no jku); a token's jku is not fetched, so no request can make the service call out.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWK

# Asymmetric algorithms only (the specification recommends ES384 and RS384).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_S = 60  # clock skew between the EHR and this service
MAX_LIFETIME_S = 3600  # a token valid for longer than this is refused: a long-lived token is a leaked one


class TrustFileError(Exception):
    """The --trusted-issuers file cannot be used: said at start."""


class Refused(Exception):
    """The call's token is not trusted; the message says why (no token content beyond the issuer)."""


@dataclass(frozen=True)
class Issuer:
    iss: str
    keys: dict[str, PyJWK]  # by kid


def load_trusted(path: Path) -> dict[str, Issuer]:
    from ..load.yamlsafe import load_path
    try:
        doc = load_path(path).data
    except Exception as exc:  # InputError with FILE:LINE:COL
        raise TrustFileError(str(exc)) from None
    issuers = doc.get("issuers") if isinstance(doc, dict) else None
    if not isinstance(issuers, list) or not issuers:
        raise TrustFileError(f"{path}: expected `issuers:`, a list of {{iss, jwks or jwks_file}}")
    out: dict[str, Issuer] = {}
    for i, item in enumerate(issuers):
        where = f"{path}: issuers[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("iss"), str):
            raise TrustFileError(f"{where}: expected iss: (the issuer's URI)")
        jwks = item.get("jwks")
        if jwks is None and isinstance(item.get("jwks_file"), str):
            try:
                jwks = json.loads((path.parent / item["jwks_file"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise TrustFileError(f"{where}.jwks_file: {exc}") from None
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
            raise TrustFileError(f"{where}: expected jwks: {{keys: [...]}} or jwks_file: (a JWK Set)")
        keys: dict[str, PyJWK] = {}
        for k, jwk in enumerate(jwks["keys"]):
            if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
                raise TrustFileError(f"{where}.keys[{k}]: every key needs its kid (the JWT header names it)")
            if "d" in jwk:
                raise TrustFileError(f"{where}.keys[{k}]: a private key; the file holds the issuers' public keys")
            try:
                keys[jwk["kid"]] = PyJWK(jwk)
            except jwt.PyJWTError as exc:
                raise TrustFileError(f"{where}.keys[{k}]: {exc}") from None
        out[item["iss"]] = Issuer(item["iss"], keys)
    return out


class Verifier:
    def __init__(self, issuers: dict[str, Issuer]):
        self.issuers = issuers
        self._seen: dict[tuple[str, str], float] = {}  # (iss, jti) -> exp, while the token could be replayed
        self._lock = threading.Lock()

    def verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        """The token's claims, or Refused."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Refused("no Authorization: Bearer token (CDS Hooks requires a signed JWT on every call)")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Refused("the token is not a JWT") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise Refused(f"algorithm {alg!r:.20} is not accepted (asymmetric only: {', '.join(ALGORITHMS)})")
        if header.get("typ") != "JWT":
            raise Refused("the JWT header's typ must be JWT")
        iss = unverified.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None or not isinstance(iss, str):
            raise Refused("the issuer is not in --trusted-issuers")
        kid = header.get("kid")
        key = issuer.keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise Refused(f"no key of issuer {iss} has the token's kid")
        try:
            claims = jwt.decode(token, key.key, algorithms=[alg], audience=audience, issuer=iss, leeway=LEEWAY_S,
                                options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.InvalidAudienceError:
            raise Refused(f"the token's aud is not this endpoint ({audience})") from None
        except jwt.PyJWTError as exc:
            raise Refused(f"token refused: {exc}") from None
        now = time.time()
        if claims["exp"] - claims["iat"] > MAX_LIFETIME_S:
            raise Refused(f"the token lives longer than {MAX_LIFETIME_S} s")
        with self._lock:
            for k in [k for k, exp in self._seen.items() if exp + LEEWAY_S < now]:
                del self._seen[k]
            if (iss, str(claims["jti"])) in self._seen:
                raise Refused("the token's jti was used before (a replay)")
            self._seen[(iss, str(claims["jti"]))] = float(claims["exp"])
        return claims
