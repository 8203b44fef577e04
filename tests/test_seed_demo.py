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
    }
    assert out.getvalue().count("created") == 5
    assert out.getvalue().count("unchanged") == 5
