"""`manage.py compare`: per-store figures as a table, CSV or JSON; bad arguments exit non-zero."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from stores import services
from stores.formatting import money
from stores.models import DailyFunnel

REQUIRED = {
    "slug", "model", "sessions", "orders", "conversion_rate", "aov", "net_sales", "returns_rate",
    "cod_refusal_rate", "gross_profit", "contribution", "contribution_margin", "ad_spend",
    "cash_collected",
}  # fmt: skip


@pytest.fixture
def two_stores(make_store):
    a = make_store("general", with_catalogue=False, slug="alpha")
    b = make_store("cod", with_catalogue=False, slug="bravo")
    for store, sessions, converted, gross in ((a, 1000, 20, "800"), (b, 1000, 35, "1400")):
        DailyFunnel.objects.create(
            store=store, date=date(2026, 3, 1), channel="direct", source="synthetic",
            sessions=sessions, converted=converted, orders=converted,
            gross_sales=Decimal(gross), goods_cost=Decimal("300"), ad_spend=Decimal("50"),
        )  # fmt: skip
        DailyFunnel.objects.create(
            store=store, date=date(2026, 3, 2), channel="email", source="synthetic",
            sessions=200, converted=4, orders=4, gross_sales=Decimal("160"),
        )  # fmt: skip
    return a, b


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("compare", *args, stdout=out)
    return out.getvalue()


def test_json_has_the_contract_keys_with_fractions_and_decimal_strings(two_stores):
    data = json.loads(run("--format", "json", "--stores", "alpha,bravo"))

    assert [s["slug"] for s in data["stores"]] == ["alpha", "bravo"]
    alpha = data["stores"][0]
    assert alpha.keys() >= REQUIRED
    assert alpha["sessions"] == 1200 and alpha["orders"] == 24
    assert alpha["conversion_rate"] == pytest.approx(24 / 1200)
    assert alpha["net_sales"] == "960.00" and alpha["ad_spend"] == "50.00"
    assert alpha["conversion_rate_low"] < alpha["conversion_rate"] < alpha["conversion_rate_high"]


def test_baseline_adds_differences_in_points_and_chance_to_beat(two_stores):
    data = json.loads(run("--format", "json", "--baseline", "alpha"))
    bravo = next(s for s in data["stores"] if s["slug"] == "bravo")

    # Rates differ in percentage points (a fraction: 0.0125 = +1.25 pp), not in percent.
    assert bravo["conversion_rate_vs_baseline"] == pytest.approx(39 / 1200 - 24 / 1200)
    assert bravo["conversion_rate_vs_baseline_unit"] == "points"
    assert bravo["conversion_rate_vs_baseline_low"] < bravo["conversion_rate_vs_baseline"]
    assert bravo["conversion_rate_chance_to_beat"] > 0.9
    # Money differs by an amount, counts in percent.
    assert bravo["net_sales_vs_baseline"] == "600.00"  # 1560 - 960
    assert bravo["net_sales_vs_baseline_unit"] == "money"
    assert bravo["sessions_vs_baseline_relative"] == pytest.approx(0.0)


def test_date_and_channel_filters(two_stores):
    data = json.loads(run("--format", "json", "--from", "2026-03-02", "--channel", "email"))
    assert {s["slug"]: s["sessions"] for s in data["stores"]} == {"alpha": 200, "bravo": 200}


def test_csv_opens_as_one_row_per_store(two_stores):
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(run("--format", "csv")))}
    assert sorted(rows) == ["alpha", "bravo"]
    assert rows["bravo"]["net_sales"] == "1560.00"


def test_table_lists_each_store_with_its_interval(two_stores):
    text = run("--baseline", "alpha")
    assert "alpha" in text and "bravo" in text and "baseline" in text
    assert "2.0% (1.3%-3.0%)" in text  # alpha: 24 / 1200 and its Wilson interval


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stores", "nope"], "stores"),
        (["--from", "yesterday"], "date_from"),
        (["--from", "2026-03-05", "--to", "2026-03-01"], "end date is before"),
        (["--channel", "tv"], "channel"),
        (["--source", "robots"], "source"),
        (["--run", "999"], "no simulation run #999"),
        (["--baseline", "ghost"], "baseline"),
        # Stores exist but none sells in India: not "create some with seed_demo".
        (["--market", "IN"], r"No store matches the selection \(--stores, --market"),
    ],
)
def test_bad_arguments_fail_with_a_clear_message(two_stores, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_bad_format_exits_non_zero(two_stores):
    with pytest.raises(CommandError, match="invalid choice"):
        run("--format", "xml")


def test_the_default_run_is_the_latest_with_data_not_an_empty_newer_one(make_store):
    stores = [make_store("cod"), make_store("single_product")]
    written = services.create_run(days=3, seed=1, stores=stores, start_date=date(2026, 1, 5))
    services.run_in_process(written)
    never_started = services.create_run(days=3, seed=2, stores=stores)
    services.cancel_run(never_started.pk)

    default = json.loads(run("--format", "json"))

    assert default == json.loads(run("--format", "json", "--run", str(written.pk)))
    assert all(store["orders"] > 0 for store in default["stores"])


def _block(text: str, column: str) -> dict[str, list[str]]:
    """The table block whose header names `column`: each store's cells by slug (cells are
    separated by two spaces or more)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("store") and column in line)
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells[1:]
    return rows


def test_the_table_shows_cash_low_its_day_and_runway_as_json_gives_them(make_store):
    # The brand with a heavy upkeep on its catalogue burns cash whatever the store numbers' dice.
    heavy = make_store("brand", sku_daily_cost=Decimal("400"))
    stores = [make_store("cod"), make_store("single_product"), heavy]
    written = services.create_run(days=40, seed=3, stores=stores, start_date=date(2026, 1, 5))
    services.run_in_process(written)

    table = run("--run", str(written.pk))
    data = json.loads(run("--run", str(written.pk), "--format", "json"))

    assert max(len(line) for line in table.splitlines()) <= 100  # an ordinary terminal
    cash = _block(table, "cash low")
    runways = set()
    for record in data["stores"]:
        _, _, low, low_on, runway = cash[record["slug"]]
        assert low == money(Decimal(record["cash_low"]))
        assert low_on == record["cash_low_date"]
        if record["runway_months"] is None:
            assert runway == "not burning"
        else:
            assert runway == f"{record['runway_months']:.1f} mo"
        runways.add(runway == "not burning")
    assert runways == {True, False}  # both readings checked


def test_a_store_left_out_of_the_latest_run_is_named_not_called_unknown(make_store):
    # After a scenario or a one-store simulate, the latest run holds other stores: `cohorts
    # glow-theory` said "No store with the slug 'glow-theory'" of a store that exists.
    ours = make_store("brand", slug="ours")
    theirs = make_store("general", slug="theirs")
    latest = services.create_run(days=2, seed=1, stores=[theirs], start_date=date(2026, 1, 5))
    services.run_in_process(latest)

    with pytest.raises(CommandError) as failure:
        call_command("cohorts", ours.slug, stdout=io.StringIO())
    assert str(failure.value) == (
        f"Run #{latest.pk} did not simulate ours: choose a run that did (--run N) or every row "
        "(--run all)."
    )
    with pytest.raises(CommandError, match=f"Run #{latest.pk} did not simulate {ours.name}"):
        run("--stores", ours.slug)
    call_command("cohorts", ours.slug, "--run", "all", stdout=io.StringIO())  # no error


def test_the_tables_footer_gives_the_moment_in_minutes(two_stores):
    # It printed the datetime's repr: "as of 2026-11-30 17:03:52.765572+00:00".
    footer = " ".join(run().split("\n\n")[-1].split())  # the note, wrapped to 100 columns
    assert re.search(r"as of \d{4}-\d\d-\d\d \d\d:\d\d UTC;", footer), footer
