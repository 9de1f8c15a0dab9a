"""The service on the demo cluster for the browser tests, served by uvicorn on a port.

The tests' hashing encoder stands in for the model (what is tested is the workbench, not
the ranking), so the demo opens in seconds on a fresh clone. One key per role is written
to a JSON file for the tests to sign in with.

    python -m tests.browser.demo_server --store DIR --port PORT --keys FILE
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn

from api.deps import get_optional_service
from api.main import create_app
from matcher.config import AppSettings
from matcher.service import ClusterService
from matcher.store import Role, Store, create_key
from tests.conftest import DEMO_DIR, HashingEncoder

MEMBER_ORG = "ru-050"  # a St. Petersburg waste-sorting SME
OTHER_MEMBER_ORG = "fi-038"  # another member's organisation


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--keys", type=Path, required=True)
    args = parser.parse_args()
    settings = AppSettings.for_store(args.store, DEMO_DIR)
    store = Store(settings.database_url)
    service = ClusterService.open(settings.engine, store, DEMO_DIR, encoder=HashingEncoder())
    keys = {
        "staff": create_key(store, "Cluster staff", Role.STAFF.value, None, "test")[1],
        "member": create_key(store, "EcoSort", Role.MEMBER.value, MEMBER_ORG, "test")[1],
        "other_member": create_key(
            store, "Kuitukierto", Role.MEMBER.value, OTHER_MEMBER_ORG, "test"
        )[1],
        "investor": create_key(store, "Green fund", Role.INVESTOR.value, None, "test")[1],
    }
    args.keys.write_text(json.dumps(keys), encoding="utf-8")
    app = create_app(settings, open_on_start=False)
    app.dependency_overrides[get_optional_service] = lambda: service
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
