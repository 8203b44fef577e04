"""What every admin page of the app shares."""

from __future__ import annotations

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.db import models

from ..fields import MODEL_FORMFIELD_OVERRIDES

# Every number and text typed in the admin goes through the one validation layer (stores.fields);
# a slug keeps the admin's text input.
ADMIN_FORMFIELD_OVERRIDES = {
    **MODEL_FORMFIELD_OVERRIDES,
    models.SlugField: {"form_class": forms.SlugField, "widget": admin_widgets.AdminTextInputWidget},
}
# Said after "Cannot reach Redis at ...: is it running? Start everything with `make run`".
WITHOUT_A_WORKER = "or simulate without a worker: `python manage.py simulate --in-process ...`"
