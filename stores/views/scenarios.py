"""A scenario's debrief page (staff only): a thin adapter over stores.debrief.

While the scenario's run is being written the page shows its progress and reloads itself.
"""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from stores.debrief import build_debrief
from stores.models import RunStatus, ScenarioRun

REFRESH_SECONDS = 3


@require_GET
@staff_member_required
def debrief(request: HttpRequest, pk: int) -> HttpResponse:
    started = get_object_or_404(ScenarioRun.objects.select_related("run"), pk=pk)
    report = build_debrief(started)
    run = report.run
    working = run is not None and run.status in (RunStatus.PENDING, RunStatus.RUNNING)
    context = {
        "debrief": report,
        "run": run,
        "refresh": REFRESH_SECONDS if working else None,
        "progress": round(run.progress * 100) if run else 0,
    }
    return render(request, "scenarios/debrief.html", context)
