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
        ray.init(address=settings.ray_address, log_to_driver=False)
    else:
        cpus = settings.num_cpus or os.cpu_count() or 1
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def worker_count(ray: ModuleType, settings: BatchSettings) -> int:
    """Actors to start: as asked, else one per CPU the cluster has."""
    if settings.workers is not None:
        return max(1, settings.workers)
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
