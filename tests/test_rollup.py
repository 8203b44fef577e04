"""The daily funnel's order columns equal the sums over the order rows they summarise."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from stores.models import DailyFunnel, Order, OrderLine, OrderStatus
from stores.services import rebuild_rollup


def make_order(store, n, **kw):
    placed = kw.pop("placed_at", timezone.make_aware(datetime(2026, 3, 1, 12)))
    values = {
        "store": store,
        "number": f"T-{n}",
        "source": "synthetic",
        "channel": "direct",
        "payment_method": "card",
        "placed_at": placed,
        "placed_date": placed.date(),
        "gross_sales": Decimal("50.00"),
        "goods_cost": Decimal("20.00"),
        "shipping_cost": Decimal("5.00"),
        "payment_fee": Decimal("1.75"),
    }
    values.update(kw)
    order = Order.objects.create(**values)
    OrderLine.objects.create(order=order, title="x", quantity=2, unit_price=25, unit_cost=10)
    return order


def test_rollup_sums_orders_by_day_channel_and_source(make_store):
    store = make_store("cod", with_catalogue=False)
    day = date(2026, 3, 1)
    make_order(store, 1)
    make_order(store, 2, payment_method="cod", status=OrderStatus.REFUSED, shipped_at=timezone.now(),
               gross_sales=Decimal("80.00"), return_shipping_cost=Decimal("3.85"))  # fmt: skip
    placed = timezone.make_aware(datetime(2026, 3, 1, 8))
    make_order(
        store, 3, channel="email", placed_at=placed, cash_collected_at=placed + timedelta(days=14)
    )

    written = rebuild_rollup(store.id, [day])

    assert written == 2
    direct = DailyFunnel.objects.get(store=store, date=day, channel="direct", source="synthetic")
    assert (direct.orders, direct.items) == (2, 4)
    assert direct.gross_sales == Decimal("130.00")
    assert direct.return_shipping_cost == Decimal("3.85")
    assert (direct.cod_orders, direct.cod_shipped, direct.cod_refused) == (1, 1, 1)
    email = DailyFunnel.objects.get(store=store, date=day, channel="email")
    assert (email.cash_orders, email.cash_lag_days, email.cash_received) == (
        1,
        14,
        Decimal("50.00"),
    )


def test_rollup_zeroes_rows_whose_orders_are_gone_and_keeps_funnel_counts(make_store):
    store = make_store("general", with_catalogue=False)
    day = date(2026, 3, 1)
    DailyFunnel.objects.create(
        store=store, date=day, channel="direct", source="synthetic", sessions=90
    )
    order = make_order(store, 1)
    rebuild_rollup(store.id, [day])
    order.delete()

    rebuild_rollup(store.id, [day])

    row = DailyFunnel.objects.get(store=store, date=day, channel="direct")
    assert (row.sessions, row.orders, row.gross_sales) == (90, 0, Decimal("0"))
