"""spinepath serve: the CDS Hooks service for an EHR (serve/, docs/cds-hooks.md)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..load.diagnostics import Diagnostic
from .app import RulesOpt, app, fail, usage_error

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: loopback only)."),
          port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port to listen on (0: a free one)."),
          rules: Optional[Path] = RulesOpt,
          feedback_db: Optional[Path] = typer.Option(None, "--feedback-db", show_default=False,
                                                     help="SQLite file for the cards given and the feedback on them, "
                                                          "created on first use (default: "
                                                          "$XDG_DATA_HOME/spinepath/feedback.sqlite3)."),
          trusted_issuers: Optional[Path] = typer.Option(None, "--trusted-issuers", show_default=False,
                                                         help="YAML or JSON file of the EHR issuers and their JWK "
                                                              "Sets whose signed JWTs are accepted. Without it the "
                                                              "service runs in development mode (no token check)."),
          public_url: Optional[str] = typer.Option(None, "--public-url", show_default=False,
                                                   help="The base URL clients reach the service at (behind a "
                                                        "proxy): links in cards and the JWT audience use it."),
          max_body: int = typer.Option(8 * 1024 * 1024, "--max-body", min=1024,
                                       help="Largest request body accepted, in bytes."),
          consult_cache: int = typer.Option(256, "--consult-cache", min=0,
                                            help="Consults kept in memory, by the patient's content, for charts "
                                                 "opened again (0: none)."),
          cors_origin: list[str] = typer.Option([], "--cors-origin", show_default=False,
                                                help="An origin whose browser pages may call the service (a "
                                                     "browser-based EHR or the CDS Hooks sandbox, e.g. "
                                                     "https://sandbox.cds-hooks.org). Repeat for several.")):
    """Serve CDS Hooks 2.0 (patient-view, order-select, feedback) for an EHR: cards from the consult."""
    import logging

    from ..render.fhir import FhirUnavailable, require
    try:
        require()  # the FHIR import checks prefetched resources with fhir.resources' R4 models
    except FhirUnavailable as exc:
        fail([Diagnostic("<command line>", 0, 0, "usage", str(exc))])
    try:
        import uvicorn

        from ..serve.app import Config, create_app, default_feedback_db
        from ..serve.auth import TrustFileError, Verifier, load_trusted
        from ..serve.feedback import FeedbackDbError, FeedbackStore
    except ImportError as exc:
        usage_error(f"spinepath serve needs {exc.name}: pip install 'spinepath' with its dependencies")
    from ..evaluate.knowledge import load_knowledge
    if public_url is not None and not public_url.startswith(("https://", "http://")):
        usage_error(f"--public-url: expected a URL such as https://cds.example.org; got {public_url!r}")
    if any(o == "*" or not o.startswith(("https://", "http://")) for o in cors_origin):
        usage_error("--cors-origin: expected an origin such as https://sandbox.cds-hooks.org (never *)")
    verifier = None
    if trusted_issuers is not None:
        try:
            verifier = Verifier(load_trusted(trusted_issuers))
        except TrustFileError as exc:
            fail([Diagnostic(str(trusted_issuers), 0, 0, "trusted-issuers", str(exc))])
    store = FeedbackStore(feedback_db or default_feedback_db())
    try:
        store.check()
    except (FeedbackDbError, OSError) as exc:
        fail([Diagnostic(str(store.path), 0, 0, "feedback-db", str(exc))])
    kb = load_knowledge(rules)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    say = logging.getLogger("spinepath.serve")
    if verifier is None:
        say.warning("DEVELOPMENT MODE: no --trusted-issuers, so the callers' JWTs are not checked. Do not let an "
                    "EHR with real patients call this service.")
        if host not in LOOPBACK:
            say.warning("development mode listening on %s, not loopback: anyone who reaches this address can "
                        "call the service", host)
    else:
        say.info("JWTs checked against %d trusted issuer(s)", len(verifier.issuers))
    say.info("ruleset %s %s; feedback database %s", kb.ruleset.name, kb.ruleset.version, store.path)
    config = Config(kb=kb, feedback=store, verifier=verifier, public_url=public_url.rstrip("/") if public_url else None,
                    max_body=max_body, consults_kept=consult_cache, cors_origins=tuple(cors_origin))
    try:
        uvicorn.run(create_app(config), host=host, port=port, access_log=False, log_level="info",
                    server_header=False)
    finally:
        store.close()
