"""Shopper visits counted into the daily funnel (the same table the simulation writes).

A visit is a session in the analytics sense: it ends after 30 minutes of inactivity. Its state
lives in the shopper's Django session (a plain mapping here), one entry per store, so the funnel
steps are counted once per visit and each step stays a subset of the one before. Counts go to the
(store, visit day, channel, source="shopper", run=NULL) row with F() updates, so two requests at
once never lose a count.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import date, datetime
from urllib.parse import urlparse

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import Channel, DailyFunnel, Source

SESSION_TIMEOUT_SECONDS = 30 * 60
# Activity is written back at most this often; a visit may so last up to a minute longer.
SESSION_WRITE_EVERY_SECONDS = 60

# Funnel steps in order; each names its DailyFunnel column.
PRODUCT_VIEW = "product_views"
ADD_TO_CART = "adds_to_cart"
REACHED_CHECKOUT = "reached_checkout"
CONVERTED = "converted"
STEPS = (PRODUCT_VIEW, ADD_TO_CART, REACHED_CHECKOUT, CONVERTED)

PAID_MEDIUMS = frozenset({"cpc", "ppc", "paid", "paidsocial", "paid_social"})
SOCIAL_SOURCES = frozenset({"facebook", "instagram", "tiktok", "meta", "fb", "ig"})
SEARCH_SOURCES = frozenset({"google", "bing"})
REFERRAL_MEDIUMS = frozenset({"referral", "influencer", "affiliate"})
SEARCH_ENGINE_HOSTS = ("google.", "bing.com", "duckduckgo.com", "search.yahoo.", "ecosia.org")


def channel_for(utm_source: str = "", utm_medium: str = "", referer: str = "") -> str:
    """The acquisition channel of a visit from its landing URL's utm tags and its referer.

    The mapping is documented in docs/storefront.md (a trainer hands out tagged links).
    """
    source = (utm_source or "").strip().lower()
    medium = (utm_medium or "").strip().lower()
    if medium in PAID_MEDIUMS and source in SOCIAL_SOURCES:
        return Channel.PAID_SOCIAL
    if medium in PAID_MEDIUMS and source in SEARCH_SOURCES:
        return Channel.PAID_SEARCH
    if medium in PAID_MEDIUMS:
        # Paid but from an unknown network: social is where small stores buy most clicks.
        return Channel.PAID_SOCIAL
    if medium == "email":
        return Channel.EMAIL
    if medium in REFERRAL_MEDIUMS:
        return Channel.REFERRAL
    if medium == "organic":
        return Channel.ORGANIC_SEARCH
    host = urlparse(referer or "").hostname or ""
    if any(engine in host for engine in SEARCH_ENGINE_HOSTS):
        return Channel.ORGANIC_SEARCH
    return Channel.DIRECT


def _key(store_id: int) -> str:
    return f"visit:{store_id}"


def ensure_row(store_id: int, day: date, channel: str) -> None:
    """Create the shopper row for (store, day, channel) if missing; safe against a race."""
    try:
        with transaction.atomic():
            DailyFunnel.objects.get_or_create(
                store_id=store_id, date=day, channel=channel, source=Source.SHOPPER, run=None
            )
    except IntegrityError:
        pass  # another request created it between our look and our insert


def _bump(store_id: int, day: date, channel: str, column: str) -> None:
    """Add one to a column of the store's shopper funnel row for that day and channel."""
    rows = DailyFunnel.objects.filter(
        store_id=store_id, date=day, channel=channel, source=Source.SHOPPER, run__isnull=True
    )
    if rows.update(**{column: F(column) + 1}):
        return
    try:
        with transaction.atomic():
            DailyFunnel.objects.create(
                store_id=store_id,
                date=day,
                channel=channel,
                source=Source.SHOPPER,
                run=None,
                **{column: 1},
            )
    except IntegrityError:  # another request created the row first: add to it
        rows.update(**{column: F(column) + 1})


def touch_visit(
    session: MutableMapping,
    store_id: int,
    *,
    utm_source: str = "",
    utm_medium: str = "",
    referer: str = "",
    channel: str = "",
    now: datetime | None = None,
) -> dict:
    """Record activity in a store; starts (and counts) a new session after 30 minutes idle.

    The channel is decided when the session starts and sticks for the whole visit: `channel`
    where the store's traffic has one source whatever the link (a managed platform's seller:
    every visit is the platform's), else from the utm tags and referer. Returns the visit
    state (channel, day, steps counted so far).
    """
    from .classroom import store_now  # the classroom books its costs on these rows

    now = now or timezone.now()
    stamp = now.timestamp()
    visit = session.get(_key(store_id))
    if visit is None or stamp - visit["last"] > SESSION_TIMEOUT_SECONDS:
        visit = {
            "channel": channel or channel_for(utm_source, utm_medium, referer),
            # A training session's store counts the visit on its clock's day.
            "day": timezone.localdate(store_now(store_id, now)).isoformat(),
            "steps": [],
            "last": stamp,
        }
        _bump(store_id, date.fromisoformat(visit["day"]), visit["channel"], "sessions")
    elif stamp - visit["last"] < SESSION_WRITE_EVERY_SECONDS:
        return visit  # still fresh: spare the session store a write on every page
    visit["last"] = stamp
    session[_key(store_id)] = visit
    return visit


def record_step(
    session: MutableMapping, store_id: int, step: str, *, now: datetime | None = None
) -> bool:
    """Count a funnel step once per visit (and the earlier steps it implies). True if counted."""
    if step not in STEPS:
        raise ValueError(f"Unknown funnel step {step!r}; expected one of {STEPS}.")
    visit = touch_visit(session, store_id, now=now)
    counted = False
    new_steps = False
    # A shopper may reach the cart without a product page (a landing-page button): count the
    # steps before too, so each step stays a subset of the one before.
    for earlier in STEPS[: STEPS.index(step) + 1]:
        if earlier in visit["steps"]:
            continue
        _bump(store_id, date.fromisoformat(visit["day"]), visit["channel"], earlier)
        visit["steps"].append(earlier)
        new_steps = True
        counted = counted or earlier == step
    if new_steps:
        # Assigning marks the session modified, and Django then saves its row: only when a step
        # was added, so a returning shopper's page views write nothing.
        session[_key(store_id)] = visit
    return counted


def visit_channel(session: MutableMapping, store_id: int) -> str:
    visit = session.get(_key(store_id))
    return visit["channel"] if visit else Channel.DIRECT
