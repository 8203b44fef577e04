"""Presets are the only source of a store's defaults: a store of a model holds the same
parameters however it is created (plain ORM, the admin's full add form, the preset service,
a clone)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from stores import services
from stores.models import Store
from stores.presets import COMMON, PRESETS

IDENTITY = {"id", "name", "slug", "created_at", "updated_at", "live_revealed_until"}


def parameters(store: Store) -> dict:
    store.refresh_from_db()
    values = {
        f.name: getattr(store, f.name)
        for f in Store._meta.concrete_fields
        if f.name not in IDENTITY
    }
    values["channels"] = sorted(
        store.channels.values_list(
            "channel", "daily_sessions", "daily_budget", "cost_per_click", "conversion_rate"
        )
    )
    return values


class _FormFields(HTMLParser):
    """The values a browser would submit for the first <form method=post> of a page."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
        if not self._in_form or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            blank = "on" if kind in ("checkbox", "radio") else ""
            self.data.setdefault(a["name"], []).append(a.get("value", blank))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value", ""))
        elif tag == "textarea":
            self.data.setdefault(a["name"], []).append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form":
            self._in_form = False


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_a_store_of_a_model_holds_the_same_parameters_however_it_is_created(staff_client, key):
    by_service = services.create_store_from_preset(key, name="Service", slug="by-service")

    by_orm = Store.objects.create(name="ORM", slug="by-orm", business_model=key)
    services.add_preset_channels(by_orm)

    add_url = reverse("admin:stores_store_add") + f"?preset={key}"
    page = staff_client.get(add_url)
    assert page.status_code == 200
    fields = _FormFields()
    fields.feed(page.content.decode())
    fields.data.update({"name": ["Admin"], "slug": ["by-admin"]})
    response = staff_client.post(add_url, fields.data)
    assert response.status_code == 302, response.content.decode()[:2000]
    by_admin = Store.objects.get(slug="by-admin")

    by_clone = services.clone_store(by_service, name="Clone", slug="by-clone")

    expected = parameters(by_service)
    assert expected["business_model"] == key and expected["preset"] == key
    for store in (by_orm, by_admin, by_clone):
        assert parameters(store) == expected, store.slug


def test_the_admin_add_form_starts_from_a_model_chosen_first(staff_client, db):
    response = staff_client.get(reverse("admin:stores_store_add"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:stores_store_from_preset")


def test_model_field_defaults_are_the_common_preset_values():
    for name, cited in COMMON.items():
        field = Store._meta.get_field(name)
        assert field.get_default() == cited.value, name
