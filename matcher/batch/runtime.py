"""Ray for one batch job: imported on demand, started locally or joined, stopped after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from matcher.errors import ConfigError
from matcher.settings import BatchSettings

MISSING_RAY = (
    "batch jobs run on Ray, which is not installed: install the scale extra "
    "(pip install -e '.[scale]')"
)


def import_ray() -> ModuleType:
    """The `ray` module, or a ConfigError that says how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(MISSING_RAY) from exc
    return ray


@contextmanager
def ray_session(settings: BatchSettings) -> Iterator[ModuleType]:
    """Ray, connected for the job: a local one started here (and stopped after), the one
    already running in this process (a test session's), or the cluster at the address."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    if settings.ray_address is not None:
        _join(ray, settings.ray_address)
    else:
        # "local" starts a Ray of our own even when a cluster runs on this machine (plain
        # init would join that one, and refuse the CPU count)
        cpus = settings.num_cpus or os.cpu_count() or 1
        ray.init(address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def _join(ray: ModuleType, address: str) -> None:
    """Connect to a running cluster, or a ConfigError that names it and says why not."""
    try:
        ray.init(address=address, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"cannot join the Ray cluster at {address}: {first_line}. A cluster started "
            "with `ray start` asks for its token: copy ~/.ray/auth_token from the head node "
            "and set RAY_AUTH_MODE=token (or give --ray-address auto on a node of the cluster)"
        ) from exc


def worker_count(ray: ModuleType, settings: BatchSettings) -> int:
    """Actors to start: as asked, else one per CPU the cluster has."""
    if settings.workers is not None:
        return max(1, settings.workers)
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
