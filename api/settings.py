"""The service's settings: parsed from the environment once (cached) at start-up."""

from __future__ import annotations

import os
from functools import lru_cache

from matcher.config import AppSettings, settings_from_env


@lru_cache
def get_settings() -> AppSettings:
    return settings_from_env(os.environ)
