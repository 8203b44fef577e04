"""A training session's clock: simulated time that runs faster than real time.

Pure Python; no Django. A clock is anchored: at the real moment `real_anchor` the simulated time
was `sim_anchor`; while it runs, every real second moves simulated time on by
DAY / seconds_per_day seconds (60 real seconds per simulated day: 1,440 times faster). Pausing
re-anchors at the current simulated instant and stops; resuming re-anchors at the real moment
it resumes (a pause leaves no backlog); stepping moves simulated time on at once. Everything a
session simulates (live traffic, the lifecycle of its orders, shoppers' orders) asks its clock
what time it is (`sim_at`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

DAY = 86_400


@dataclass(frozen=True)
class Clock:
    seconds_per_day: float  # real seconds per simulated day
    real_anchor: datetime
    sim_anchor: datetime
    running: bool = False

    def __post_init__(self) -> None:
        if not self.seconds_per_day > 0:
            raise ValueError("A simulated day must last a positive number of real seconds.")

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return DAY / self.seconds_per_day

    def sim_at(self, real: datetime) -> datetime:
        """The simulated instant at the real moment `real` (never before the anchor)."""
        if not self.running or real <= self.real_anchor:
            return self.sim_anchor
        return self.sim_anchor + (real - self.real_anchor) * self.speed

    def real_at(self, sim: datetime) -> datetime | None:
        """When, in real time, the running clock shows `sim` (None while paused)."""
        if not self.running:
            return None
        return self.real_anchor + (sim - self.sim_anchor) / self.speed

    def paused(self, real: datetime) -> Clock:
        return replace(self, real_anchor=real, sim_anchor=self.sim_at(real), running=False)

    def resumed(self, real: datetime) -> Clock:
        if self.running:
            return self
        return replace(self, real_anchor=real, running=True)

    def stepped(self, real: datetime, sim_seconds: float) -> Clock:
        """Simulated time moved on by `sim_seconds` at once (running or not)."""
        if sim_seconds < 0:
            raise ValueError("The clock only moves forward.")
        now = self.sim_at(real)
        return replace(self, real_anchor=real, sim_anchor=now + timedelta(seconds=sim_seconds))

    def jumped_to(self, real: datetime, sim: datetime) -> Clock:
        """Simulated time set to `sim` (not earlier than now), keeping the clock's state."""
        now = self.sim_at(real)
        return replace(self, real_anchor=real, sim_anchor=max(sim, now))

    def with_speed(self, real: datetime, seconds_per_day: float) -> Clock:
        """The same simulated instant at `real`, running at another speed from there on."""
        return replace(
            self, real_anchor=real, sim_anchor=self.sim_at(real), seconds_per_day=seconds_per_day
        )
