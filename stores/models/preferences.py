"""What a trainer chose once and the dashboard remembers: the baseline store, the few metrics
presentation mode shows, and the stores its charts draw."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .stores import Store


class DashboardPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_preference"
    )
    baseline = models.ForeignKey(
        Store,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The store every other is compared with, until the trainer picks another.",
    )
    metrics = models.JSONField(
        default=list, blank=True, help_text="Metric keys presentation mode shows (in order)."
    )
    chart_stores = models.JSONField(
        default=list, blank=True, help_text="Slugs of the stores the charts draw (all if empty)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Dashboard preferences of {self.user}"
