"""Customers who come back: a store's pool of past buyers (pure Python, numpy; no Django).

The engine (engine.py) keeps one pool per store and run. Each day it asks the pool how many
returning visits to expect per channel - every past buyer weighs exp(-(t - 1) / repeat_days),
t the days since their last order, and a buyer older than RETENTION_HORIZON mean intervals
weighs nothing - then hands it the day's orders and learns which of them were placed by past
buyers (their numbers) and which by new ones. The draws for returning buyers come from a
stream of their own, so the other visitors' draws never depend on the pool.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# A past buyer whose last order is this many mean intervals ago no longer counts (exp(-12) ~ 6e-6).
RETENTION_HORIZON = 12


class BuyerPool:
    """A store's past buyers, grouped by the day of their last order (days since the origin):
    how many in each group, and who. A day's total weight and a returning buyer's draw then
    cost O(days) plus the groups drawn from, never a pass over every buyer."""

    def __init__(self, origin: int, *, stream: int) -> None:
        self.origin = origin
        self.stream = stream  # the purpose in the day's seed: returning buyers' own draws
        self.n = 0
        self.by_day = np.zeros(512, dtype=np.int64)  # buyers whose last order was origin + i
        self.members: dict[int, np.ndarray] = {}  # origin + i -> those buyers' numbers
        self.rng: np.random.Generator | None = None
        self.group_weight: np.ndarray | None = None

    def returning(self, prep: Any, seed: int, store_key: int, ordinal: int) -> np.ndarray | None:
        """Expected returning visits per channel today (None: nobody to come back), and the
        day's stream for their draws (self.rng)."""
        self.rng = self.group_weight = None
        if not prep.retains or not self.n:
            return None
        days = ordinal - self.origin  # days 0 .. days-1 have buyers
        self._room(days)
        age = days - 1 - np.arange(days)  # bought yesterday: age 0, full weight
        decay = np.where(age < len(prep.decay), prep.decay[np.minimum(age, len(prep.decay) - 1)], 0)
        self.group_weight = self.by_day[:days] * decay  # each group's buyers x their weight
        self.rng = np.random.Generator(
            np.random.PCG64(
                np.random.SeedSequence(seed, spawn_key=(self.stream, store_key, ordinal))
            )
        )
        return prep.returning_level * float(self.group_weight.sum())

    def buy(
        self, ordinal: int, orders_by_channel: np.ndarray, back: np.ndarray | None
    ) -> tuple[np.ndarray, int]:
        """Who placed the day's orders: per order (in channel blocks, returning buyers first in
        each) a past buyer's number or -1 for a new buyer, and the number the first new buyer
        gets. Updates the pool."""
        n_orders = int(orders_by_channel.sum())
        who = np.full(n_orders, -1, dtype=np.int64)
        first_new = self.n
        today = ordinal - self.origin
        self._room(today + 1)
        back_today = np.zeros(0, dtype=np.int64)
        weight = self.group_weight
        if back is not None and weight is not None and back.sum() and weight.sum() > 0:
            # Each returning order's group by the groups' weights (the days since their last
            # order), then distinct buyers drawn evenly within each group (as many as it has).
            total = int(back.sum())
            cdf = np.cumsum(weight)
            groups = np.searchsorted(cdf, self.rng.random(total) * cdf[-1], side="right")
            groups, wanted = np.unique(np.minimum(groups, len(weight) - 1), return_counts=True)
            picked = []
            for g, c in zip(groups.tolist(), wanted.tolist(), strict=True):
                group = self.members[g]
                take = self.rng.permutation(len(group))[: min(c, len(group))]
                picked.append(group[take])
                self.members[g] = np.delete(group, take)
                self.by_day[g] -= len(take)
            back_today = np.concatenate(picked)
            k = back.copy()
            while k.sum() > len(back_today):  # more than the groups held: the rest are new
                k[np.argmax(k)] -= 1
            starts = np.concatenate(([0], np.cumsum(orders_by_channel)[:-1]))
            slots = [
                np.arange(s, s + c) for s, c in zip(starts.tolist(), k.tolist(), strict=True) if c
            ]
            if slots:
                who[np.concatenate(slots)] = back_today
        new = n_orders - len(back_today)
        self.members[today] = np.concatenate(
            (back_today, np.arange(self.n, self.n + new, dtype=np.int64))
        )
        self.by_day[today] += n_orders
        self.n += new
        self.rng = self.group_weight = None
        return who, first_new

    def _room(self, days: int) -> None:
        """Counts for at least `days` days (a day without orders adds none)."""
        if days > len(self.by_day):
            grown = np.zeros(max(2 * len(self.by_day), days), dtype=np.int64)
            grown[: len(self.by_day)] = self.by_day
            self.by_day = grown
