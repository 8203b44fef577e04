from io import StringIO

from django.core.management import call_command

from stores.models import BusinessModel, Product, Store, StoreChannel


def snapshot():
    return (
        list(Store.objects.order_by("slug").values_list("slug", "business_model", "updated_at")),
        Product.objects.count(),
        StoreChannel.objects.count(),
    )


def test_seed_demo_creates_one_store_per_model_and_is_idempotent(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = snapshot()

    call_command("seed_demo", stdout=out)

    assert snapshot() == first
    models = {model for _, model, _ in first[0]}
    assert models == {
        BusinessModel.GENERAL,
        BusinessModel.DROPSHIP,
        BusinessModel.COD,
        BusinessModel.POD,
        BusinessModel.SINGLE_PRODUCT,
        BusinessModel.VERTICAL,
        BusinessModel.VERTICAL_PREMIUM,
        BusinessModel.BRAND,
        BusinessModel.SEMI_MANAGED,
        BusinessModel.FULLY_MANAGED,
    }
    assert out.getvalue().count("created") == 10
    assert out.getvalue().count("unchanged") == 10


def test_the_platform_demo_stores_have_their_own_catalogue_and_only_platform_traffic(db):
    call_command("seed_demo", stdout=StringIO())
    semi = Store.objects.get(business_model=BusinessModel.SEMI_MANAGED)
    full = Store.objects.get(business_model=BusinessModel.FULLY_MANAGED)
    for store in (semi, full):
        assert list(store.channels.values_list("channel", flat=True)) == ["platform"]
        assert store.products.count() == 60
    semi_titles = set(semi.products.values_list("title", flat=True))
    assert not semi_titles & set(full.products.values_list("title", flat=True))
    assert set(semi.products.values_list("category", flat=True)) == {
        "Home decor", "Kitchen", "Travel",
    }  # fmt: skip
