"""The public sources the presets cite (stores/presets.py), each named once: a default's source
is one of these, shown beside it in the admin and listed in docs/parameters.md. Where a figure is
a modelling choice of ours rather than a published number, the source says "model choice"."""

LITTLEDATA_CR = "Littledata, ~2,800 Shopify stores (2023): 1.4% average session conversion"
LITTLEDATA_CR_LOW_AOV = "Littledata (2023): stores with AOV < $60 convert ~4.6%"
LITTLEDATA_ATC = "Littledata (2022): add-to-cart rate 5.9% average, top 20% > 9.8%"
BAYMARD = "Baymard Institute: ~70% cart abandonment (average of 46 studies)"
CHANNEL_CR = "Agency benchmarks (2026): email 4-5.5%, direct 3-3.8%, organic 2-2.8%, paid search 1.5-3%, referral ~2%, paid social 0.8-1.5%"  # noqa: E501
NRF_RETURNS = "NRF / Appriss (2021-2024): online returns ~17.6-20.8% of sales"
STRIPE = "Stripe public pricing: 2.9% + $0.30, $15 per dispute"
STRIPE_PAYOUT = "Stripe docs (payout schedule): US accounts are paid out daily, 2 business days after the charge"  # noqa: E501
CHARGEBACKS = "Payment processors' guides: typical chargeback rate 0.3-0.9%"
DROP_TRANSIT = (
    "Carriers' and marketplace guides (2025): China->US ePacket 7-15 business days, standard 15-45"  # noqa: E501
)
DROP_PROCESSING = "Dropshipping guides: supplier processing 1-5 business days"
DROP_RETURNS = "Industry blogs (2025): dropship returns 16-20%; cross-border return shipping $15-40"
COD_SHARE = "Aramex: COD 70-80% of orders in the Middle East; GoKwik (2022): India ~60%"
COD_REFUSAL = "Unicommerce/Shipway (2025): COD RTO 22% at 1-2 days, 27% at 3-5, 35% after 5; seed 002: ~20% rejected"  # noqa: E501
COD_UPLIFT = "Regional study (2024): up to +30% orders when COD is offered (UAE)"
COD_FEE = "Indian couriers' rate cards (2026): higher of a fixed fee or 1.5-2.5%; reverse leg ~70% of forward"  # noqa: E501
COD_REMIT = "Regional study (2024): COD remittance ~2 weeks"
POD_COST = "POD guides (2026): blank + print ~$8-12; $10 to make + $5 to ship on a $20 retail price"
POD_RETURNS = (
    "POD providers' policies: reprint/refund only faulty or wrong items; no change-of-mind returns"  # noqa: E501
)
SINGLE_ADS = "Marketing blog (2026): ad spend 20-30% of sales for single-product stores"
RETURNS_BY_CATEGORY = "Retail analytics blog: returns by category: home 10-15%, electronics 8-12%, beauty 5-10%, apparel 20-30%"  # noqa: E501
DROP_MARGIN = "Industry blogs: dropship net margin 10-15% on average, 15-20% good"
DROP_PROMISE = "the store's own promise ('arrives in 10-25 days'): a buyer claims once it is broken"  # noqa: E501
POD_MARGIN = (
    "POD guides (2025): margin ~20% typical, 30%+ strong ($20 price - $10 to make - $5 to ship)"  # noqa: E501
)
CREATIVE_REFRESH = (
    "model choice: ad creative refreshed every two months, after which an audience tires again"  # noqa: E501
)
AMAZON_PAYOUT = "Amazon seller payments (2023-): funds released 7 days after delivery (DD+7), paid out every 14 days"  # noqa: E501
PAID_CPP = "SuperAds, $3B of ad spend (2025): ~$44 paid social cost per purchase; First Page Sage (2024): CAC $61-91"  # noqa: E501
COD_REMIT_TARGET = "Regional study (2024): COD cash ~2 weeks after delivery"
DOMESTIC_COURIER = (
    "model choice: a domestic courier in the UAE dispatches next day and delivers in 1-3 days"  # noqa: E501
)
MARKETPLACE_FEES = "Marketplace fee schedules: referral fee mostly 8-15%"
# Managed platforms (seed 003; PARAMETERS.md "Platform models").
SEED_003_ROLES = "seed 003: semi-hosted merchants keep product selection and pricing; the platform handles logistics and customer service"  # noqa: E501
SEED_003_TRAFFIC = "seed 003: the platform allocates the traffic (Temu 'prioritizing traffic allocation to semi-hosted sellers')"  # noqa: E501
SEED_003_WAREHOUSING = "seed 003: 'increased logistics costs from overseas warehousing'; the per-unit figure is a model choice"  # noqa: E501
SEED_003_PRICING = "seed 003: fully hosted sellers 'cannot adjust pricing ... squeezing profit margins'; the figure is a model choice"  # noqa: E501
SEMI_FEES = "Temu semi-managed fee guide, ecer.com (2025): service fee typically 10-20% of sales"
PLATFORM_PAYOUT = (
    "Seller Q&A, hb2b.com (2025): paid ~45 days after the sale, later with returns or disputes"  # noqa: E501
)
SEMI_DELIVERY = "56ok.com (2025): semi-managed US windows: preparation 2 business days, delivery at most 14 business days"  # noqa: E501
FULL_MANAGED = "56ok.com (2025): fully managed: the seller supplies at a wholesale price to the platform's warehouses; the platform prices, fulfils and serves; delivery typically 7-10 days"  # noqa: E501
PLATFORM_CUSTOMER = "seed 002/003: the platform keeps the customer; the seller sees no buyer's data and no repeat buyer"  # noqa: E501
MODEL_CHOICE = "model choice (no public figure): tune in the admin"
REPEAT_RATE = "MobiLoud (2026), via e-com.wiki: repeat customer rate ~25-30% over 12 months (Shopify stores ~27%); Bluecore/Shopify: 12-month DTC retention ~31%"  # noqa: E501
REPEAT_SHOPPERS = "Yotpo repeat-customer statistics: ~15% of online shoppers are repeat customers; about a third of revenue from returning customers"  # noqa: E501
REPEAT_INTERVAL = "model choice (no public figure; Shopify (2022) measures reorders over 2x the typical repeat interval): tune in the admin"  # noqa: E501
SINGLE_REPEAT = "model choice (no public figure): one hero product (a posture corrector) that few buyers need twice; near zero"  # noqa: E501
FLOODING_REPEAT = (
    "seed 000: product inconsistency hinders a stable customer base; near zero (model choice)"  # noqa: E501
)
OFF = "off unless the model needs it (its preset turns it on)"
# Cash and capital (seed 002: "the capital chain breaks"). No public figure gives a store's
# starting capital, how much stock it buys ahead or its supplier's terms: model choices, stated.
CAPITAL = "model choice (no public figure): the owner's money on day one; seed 002: the initial traffic is bought by burning money on ads until the capital chain breaks"  # noqa: E501
STOCK_AHEAD = "model choice (no public figure): days of expected sales bought up front and replenished as they sell"  # noqa: E501
DROP_CAPITAL = (
    "model choice (no public figure); seed 002: a dropshipping project needs very little capital"  # noqa: E501
)
NO_STOCK_DROP = "seed 000: dropshipping needs no inventory pre-purchasing; goods bought per order"
NO_STOCK_POD = "POD guides: made to order, the print partner is paid per order; no stock"
SUPPLIER_TERMS = (
    "model choice (no public figure): a new seller pays its supplier on purchase (no trade credit)"  # noqa: E501
)
# Competition and the premium ramp (seed 001). No public figure gives a market's yearly price
# fall, a premium store's ramp or its brand budget: model choices, stated.
PRICE_PRESSURE = "model choice (no public figure); seed 001: homogeneous products bring 'frequent price wars', 'product prices keep falling, significantly compressing profit margins'"  # noqa: E501
EXPANSION_PRESSURE = "model choice (no public figure): flooding within one category meets the same price war as general flooding, from fewer competitors; a third of the general store's rate"  # noqa: E501
EXPANSION = "seed 001: product flooding 'casts a wide net' with large quantities of products; here within one category"  # noqa: E501
PREMIUM_MARKUP = "seed 001/002: a few high-quality, differentiated products escape the price war; the figure is a model choice"  # noqa: E501
PREMIUM_RAMP = "model choice (no public figure); seed 001: sellers 'failed in transitioning to a premium product strategy or continue to suffer losses on this path'"  # noqa: E501
BRAND_BUILD = "model choice (no public figure); seed 001: 'refining every aspect from product appearance and accessories to packaging and listing visuals', 'incurring heavy current losses for hypothetical future profits'"  # noqa: E501
