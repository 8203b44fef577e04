"""Shared fixtures. They compose by name: `store` needs `db`, `demo_stores` needs `db`, ..."""

from __future__ import annotations

import os
import shutil

import pytest

from stores import services


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache counts order-lookup attempts per client: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo_stores(db):
    """The five demo stores (one per business model), with their catalogues."""
    services.seed_demo_stores()
    from stores.models import Store

    return {store.business_model: store for store in Store.objects.all()}


@pytest.fixture
def make_store(db):
    """Factory: a store from a preset, with a unique slug, optionally without its catalogue."""
    counter = iter(range(1, 10_000))

    def make(preset: str = "general", *, with_catalogue: bool = True, **overrides):
        n = next(counter)
        return services.create_store_from_preset(
            preset,
            name=overrides.pop("name", f"Test {preset} {n}"),
            slug=overrides.pop("slug", f"test-{preset.replace('_', '-')}-{n}"),
            with_catalogue=with_catalogue,
            **overrides,
        )

    return make


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("trainer", "trainer@example.com", "pw-test-1")
    client.force_login(user)
    return client


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright. Skips without one, except on CI."""
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("CI=true but no chromium binary: .ci/run should have installed it.")
        pytest.skip("No chromium on PATH (apt-get install chromium) - browser tests skipped.")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # body are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
