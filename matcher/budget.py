"""Per-caller budgets: text sent to the encoder per API key, failed key attempts per client.

Both are token buckets kept in memory (per process: with several processes each keeps its
own, so a key may spend up to that many budgets): a caller may spend a burst at once,
then as fast as the bucket refills. Spending past it is refused with the seconds to wait,
never queued, so one caller cannot pile work up in front of everyone else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from matcher.errors import RateLimitedError
from matcher.limits import (
    ENCODE_BURST_CHARS,
    ENCODE_CHARS_PER_SECOND,
    FAILED_KEYS_WINDOW_SECONDS,
    MAX_FAILED_KEYS,
)

Clock = Callable[[], float]


@dataclass
class _Bucket:
    level: float
    at: float


class TokenBuckets:
    """One bucket per name: `capacity` units, refilled at `rate` units per second."""

    def __init__(self, capacity: float, rate: float, clock: Clock = time.monotonic) -> None:
        self.capacity, self.rate, self.clock = capacity, rate, clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, name: str, amount: float) -> float:
        """Take `amount` from the bucket: 0.0 when done, else the seconds until it could be
        (nothing is taken then). An amount above the capacity waits for a full bucket."""
        with self._lock:
            bucket = self._refilled(name)
            wanted = min(amount, self.capacity)
            if bucket.level >= wanted:
                bucket.level -= amount  # a large amount may leave it below zero: it refills
                return 0.0
            return (wanted - bucket.level) / self.rate

    def available(self, name: str) -> float:
        with self._lock:
            return self._refilled(name).level

    def _refilled(self, name: str) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = _Bucket(self.capacity, now)
        bucket.level = min(self.capacity, bucket.level + (now - bucket.at) * self.rate)
        bucket.at = now
        if len(self._buckets) > 10_000:  # forget full buckets: they hold nothing to remember
            for key in [k for k, b in self._buckets.items() if b.level >= self.capacity]:
                del self._buckets[key]
        return bucket


class EncoderBudget:
    """Characters of text each API key may send to the encoder."""

    def __init__(
        self,
        burst: float = ENCODE_BURST_CHARS,
        per_second: float = ENCODE_CHARS_PER_SECOND,
        clock: Clock = time.monotonic,
    ) -> None:
        self._buckets = TokenBuckets(burst, per_second, clock)

    def charge(self, caller: str, chars: int) -> None:
        wait = self._buckets.take(caller, float(chars))
        if wait > 0:
            raise RateLimitedError(
                f"this key has sent too much text to encode in a short time ({chars} "
                f"characters asked); try again in {wait:.0f} s",
                wait,
            )


class FailedAttempts:
    """Unknown or revoked keys per client address: MAX_FAILED_KEYS at once, then that many
    per window; a client past it is refused (even with a good key) until the bucket has
    refilled enough for one more attempt. Behind a proxy every client shares its address."""

    def __init__(
        self,
        limit: int = MAX_FAILED_KEYS,
        window: float = FAILED_KEYS_WINDOW_SECONDS,
        clock: Clock = time.monotonic,
    ) -> None:
        self._buckets = TokenBuckets(float(limit), limit / window, clock)

    def check(self, client: str) -> None:
        """Raise while the client is locked out."""
        if self._buckets.available(client) < 1.0:
            wait = (1.0 - self._buckets.available(client)) / self._buckets.rate
            raise RateLimitedError(
                f"too many unknown or revoked keys from this client; try again in {wait:.0f} s",
                max(wait, 1.0),
            )

    def failed(self, client: str) -> None:
        self._buckets.take(client, 1.0)
