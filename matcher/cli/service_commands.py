"""`matcher serve` (the HTTP service), `matcher keys` (API keys in the store) and
`matcher db` (the store's schema)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from matcher.cli.commands import AddCommon, Sub
from matcher.cli.config import settings_from
from matcher.cli.output import as_json, as_table
from matcher.config import ENV_DATA, ENV_DATABASE, ENV_MODEL, ENV_STORE
from matcher.errors import ConfigError
from matcher.store import Role, Store, create_key, list_keys, migrate, revoke_key
from matcher.store.backend import open_engine

CLI_ACTOR = "cli"
MAX_WORKERS = 32


def store_from(args: argparse.Namespace) -> Store:
    return Store(settings_from(args).database_url)


def register_serve(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("serve", help="run the HTTP API (seeds an empty store from the data folder)")
    add_common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (started fresh, never forked); more than one "
        f"wants a PostgreSQL store ({ENV_DATABASE}), SQLite works but each write is seen by "
        "the other processes only at their next poll",
    )
    p.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = settings_from(args).engine
    # the service reads its settings from the environment at start-up, like under any ASGI server
    os.environ[ENV_STORE] = str(settings.store_dir)
    os.environ[ENV_MODEL] = settings.model
    if args.data:
        os.environ[ENV_DATA] = str(Path(args.data).resolve())
    if not 1 <= args.workers <= MAX_WORKERS:
        raise ConfigError(f"--workers must be between 1 and {MAX_WORKERS}, not {args.workers}")
    store = store_from(args)
    store.verify()  # a damaged store is one line and exit 2 here, before the port opens
    _bootstrap_key(store)
    store.engine.dispose()  # the workers open their own connections
    base = f"http://{args.host}:{args.port}"
    processes = f", {args.workers} processes" if args.workers > 1 else ""
    print(f"serving on {base}{processes}  (workbench: {base}/, OpenAPI: {base}/docs)", flush=True)
    # a factory string, not an import: the CLI does not depend on the api package; no
    # `server` header: what runs the service is nobody's business. Several workers are
    # started by uvicorn's supervisor with the `spawn` method (a fresh interpreter each, so
    # none inherits a forked copy of the model or FAISS), which restarts one that dies;
    # each opens the store and the saved index and follows the store's change log.
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="info",
        server_header=False,
        workers=args.workers,
    )
    return 0


def _bootstrap_key(store: Store) -> None:
    """A store with no keys gets one staff key, printed once, so a fresh install is usable."""
    if list_keys(store):
        print("API keys exist: `matcher keys list` shows them, `matcher keys create` adds one")
        return
    _, token = create_key(store, "bootstrap staff key", Role.STAFF.value, None, CLI_ACTOR)
    print(
        "created a staff API key (shown once; sign in to the workbench with it, or send it "
        f"as header X-API-Key):\n  {token}"
    )


def register_keys(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("keys", help="create, list and revoke API keys")
    keys = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = keys.add_parser("create", help="create a key and print it once")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--org", help="the organisation a member key acts for")
    listing = keys.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--json", action="store_true")
    revoke = keys.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    for q in (create, listing, revoke):
        add_common(q)
    p.set_defaults(handler=run_keys)


def run_keys(args: argparse.Namespace) -> int:
    store = store_from(args)
    if args.keys_command == "create":
        key, token = create_key(store, args.name, args.role, args.org, CLI_ACTOR)
        print(f"{key.id}\t{key.role.value}\t{token}")
        print("the key is shown only now; store it safely", file=sys.stderr)
    elif args.keys_command == "list":
        rows = [
            {
                "id": k.id,
                "name": k.name,
                "role": k.role.value,
                "org": k.org_id or "",
                "created": k.created_at.isoformat(timespec="seconds"),
                "revoked": k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
            }
            for k in list_keys(store)
        ]
        print(as_json(rows) if args.json else as_table(rows))
    else:
        revoke_key(store, args.key_id, CLI_ACTOR)
        print(f"revoked {args.key_id}")
    return 0


def register_db(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("db", help="the store's schema: its revision, and upgrading it")
    actions = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="the store's schema revision and the newest")
    upgrade = actions.add_parser(
        "upgrade", help="bring the schema to the newest revision (opening a store does too)"
    )
    for q in (status, upgrade):
        add_common(q)
    p.set_defaults(handler=run_db)


def run_db(args: argparse.Namespace) -> int:
    url = settings_from(args).database_url
    if args.db_command == "status":
        engine = open_engine(url, json_serializer=None)
        with engine.connect() as conn:
            found = migrate.current_revision(conn)
        engine.dispose()
        head = migrate.head_revision()
        state = "up to date" if found == head else "behind: `matcher db upgrade`"
        print(f"revision {found or 'none'}, newest {head} ({state})")
        return 0
    store = Store(url)  # opening upgrades, in one transaction
    with store.engine.connect() as conn:
        print(f"{store.where}: revision {migrate.current_revision(conn)}")
    return 0
