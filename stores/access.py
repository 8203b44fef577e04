"""Who may see what: the comparison dashboard and its exports need `stores.view_dashboard`.

The "Trainer" group has that permission (migration 0006) and `run_sandbox`'s trainer account is
in it; superusers have every permission. Anyone else who is logged in gets a 403, whatever their
staff status: running the admin and reading the class's figures are separate rights.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

DASHBOARD_PERMISSION = "stores.view_dashboard"
TRAINER_GROUP = "Trainer"


def dashboard_required(view):
    """Anonymous visitors go to the login page; logged-in users without the permission get 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not request.user.has_perm(DASHBOARD_PERMISSION):
            raise PermissionDenied(
                "The dashboard needs the 'Can view the comparison dashboard' permission: "
                f"ask a trainer to add you to the {TRAINER_GROUP} group."
            )
        return view(request, *args, **kwargs)

    return wrapped
