"""Shared fixtures. They compose by name: `store` needs `db`, `demo_stores` needs `db`, ..."""

from __future__ import annotations

import os
import shutil
import socket
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from sandbox.celery import app
from sandbox.localredis import start_local_redis
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
    """The demo stores (one per business model), with their catalogues, by business model."""
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def point_celery_at(url: str) -> None:
    """Publish to `url` from now on, forgetting every pooled connection to the previous one."""
    app.conf.broker_url = url
    app.close()  # drops the connection pool, but not the producers bound to it:
    app.amqp._producer_pool = None


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """A real Redis for the pipeline: REDIS_URL's when set; else an embedded redis-server on a
    free port of its own. Never LOCAL_REDIS_PORT: a `make run` on this machine has a worker
    consuming there, which would take the test's chunks and write them to its own database."""
    if not settings.REDIS_IS_LOCAL:
        yield settings.CELERY_BROKER_URL
        return
    port = free_port()
    proc = start_local_redis(port, tmp_path_factory.mktemp("redis"))
    url = f"redis://127.0.0.1:{port}/0"
    previous = app.conf.broker_url
    point_celery_at(url)
    yield url
    point_celery_at(previous)
    proc.terminate()
    proc.wait(timeout=10)


def purge_broker() -> None:
    """Empty the queue, and forget the messages a killed worker held: Redis would hand them to a
    later session's worker once their visibility timeout is over, with chunk ids of another
    test database."""
    app.control.purge()
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


@pytest.fixture
def clean_queue(broker):
    purge_broker()  # messages a previous session left behind
    yield
    purge_broker()


@pytest.fixture
def no_broker():
    """Nothing listens at the broker's address: a free port nobody opened."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    previous = app.conf.broker_url
    point_celery_at(url)
    yield url
    point_celery_at(previous)


@pytest.fixture
def silent_broker():
    """Something takes the connection at the broker's address and never answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        previous = app.conf.broker_url
        point_celery_at(url)
        yield url
        point_celery_at(previous)


@pytest.fixture
def worker_env(broker, django_db_setup) -> dict[str, str]:
    """The environment of a `celery worker` (or `manage.py`) subprocess that shares this test's
    database and broker."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "REDIS_URL": broker}
    env["SANDBOX_VAR_DIR"] = str(settings.VAR_DIR)
    if connection.vendor == "sqlite":
        env["SQLITE_PATH"] = str(connection.settings_dict["NAME"])
    else:  # the same server, the test database
        parts = urlsplit(os.environ["DATABASE_URL"])
        path = "/" + connection.settings_dict["NAME"]
        env["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
        env.pop("TEST_DB_NAME", None)
    return env


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
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do (15 s): on a loaded two-core machine an htmx swap
    # of the dashboard once took longer than expect()'s default 5 s.
    expect.set_options(timeout=15_000)
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


@pytest.fixture
def platform_session(make_store):
    """A started session of semi-managed platform sellers, one team (no scenario starts from a
    platform store). Its template is given a paid social channel behind the model's back (the
    admin refuses one: StoreChannel.clean), as a store saved before that rule may have: the
    session must still offer no ad budget, since the platform allocates all its traffic."""
    from stores.models import StoreChannel
    from stores.services import classroom as sessions

    store = make_store("semi_managed", with_catalogue=False)
    StoreChannel.objects.create(
        store=store, channel="paid_social", daily_budget=Decimal("100"),
        cost_per_click=Decimal("0.80"), conversion_rate=Decimal("0.012"),
    )  # fmt: skip
    session = sessions.create_session(name="Platform class", template_store=store, teams=1)
    sessions.start_session(session)
    session.refresh_from_db()
    return session
