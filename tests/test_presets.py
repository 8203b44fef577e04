"""Every preset creates a valid store whose defaults cite a source, with a fitting catalogue."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from stores.models import BusinessModel, PaymentMethod, Product, Store
from stores.presets import DEMO_MODELS, PRESETS, get_preset
from stores.simulation.catalogue import generate_catalogue


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_each_preset_creates_a_store_that_validates(make_store, key):
    store = make_store(key)

    store.full_clean()  # raises if any default is out of range
    assert store.business_model == key
    assert store.preset == key
    assert store.products.exists()
    assert store.channels.exists()


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_default_cites_its_source(key):
    preset = PRESETS[key]
    assert preset.store, "a preset without defaults"
    for name, cited in preset.store.items():
        Store._meta.get_field(name)  # a real field
        assert len(cited.source) > 10, f"{key}.{name} has no real source"
    for channel in preset.channels:
        assert channel.conversion_rate.source


def test_unknown_preset_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="Unknown preset 'luxury'.*general"):
        get_preset("luxury")


def test_catalogues_fit_their_model(demo_stores):
    general = demo_stores[BusinessModel.GENERAL]
    assert general.products.count() >= 300
    assert general.products.values("category").distinct().count() >= 10
    popularity = list(general.products.order_by("-popularity").values_list("popularity", flat=True))
    assert popularity[0] > 50 * popularity[-1], "general store demand should have a long tail"

    single = demo_stores[BusinessModel.SINGLE_PRODUCT]
    assert single.products.filter(bundle_quantity=1).count() == 1
    assert sorted(single.products.values_list("bundle_quantity", flat=True)) == [1, 2, 3]

    pod = demo_stores[BusinessModel.POD].products.all()
    assert pod and all(p.is_customizable and p.stock is None for p in pod)

    dropship = demo_stores[BusinessModel.DROPSHIP].products.all()
    assert all(p.supplier and 1 <= p.supplier_lead_days <= 5 and p.stock is None for p in dropship)

    cod = demo_stores[BusinessModel.COD]
    assert cod.offers_cod and cod.default_payment_method == PaymentMethod.COD
    assert cod.market in {"AE", "SA", "IN", "ID"}


def test_general_store_markup_is_thinner_than_the_niche_models(demo_stores):
    def mean_markup(store):
        rows = Product.objects.filter(store=store, bundle_quantity=1)
        return sum(p.price / p.unit_cost for p in rows) / len(rows)

    general = mean_markup(demo_stores[BusinessModel.GENERAL])
    for model in (BusinessModel.POD, BusinessModel.SINGLE_PRODUCT):
        assert general < mean_markup(demo_stores[model])


def test_catalogue_generation_is_deterministic():
    spec = PRESETS[BusinessModel.GENERAL].catalogue
    assert generate_catalogue(spec, 1.7, seed=5) == generate_catalogue(spec, 1.7, seed=5)
    assert generate_catalogue(spec, 1.7, seed=5) != generate_catalogue(spec, 1.7, seed=6)


def test_every_demo_model_has_a_preset():
    assert set(DEMO_MODELS) <= set(PRESETS)


def test_an_out_of_range_override_is_refused_and_nothing_is_saved(make_store):
    with pytest.raises(ValidationError) as excinfo:
        make_store("cod", cod_share=Decimal("1.5"))

    assert "cod_share" in excinfo.value.message_dict
    assert not Store.objects.exists()
    assert not Product.objects.exists()


def test_docs_parameters_md_matches_the_presets():
    from pathlib import Path

    from stores.management.commands.describe_presets import presets_markdown

    doc = Path(__file__).resolve().parent.parent / "docs" / "parameters.md"
    assert doc.read_text().strip() == presets_markdown().strip(), (
        "docs/parameters.md is stale: python manage.py describe_presets > docs/parameters.md"
    )
