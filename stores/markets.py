"""The currency a market's shoppers see, and the fixed rate from the stores' books to it.

Pure Python. Every store keeps its books in one currency (USD: `Store.currency`, so margins
compare across the demo stores on the dashboard) and shows its prices in the currency of the
market it sells to, converted at a fixed training rate: what a cross-border shop does with a
presentment currency (Shopify Markets: "prices in the buyer's currency, the shop's books in
its own"). A unit price is converted and rounded to the minor unit once; a line is that price
times the quantity, a total the sum of the lines, so what the shopper reads adds up.

The rates are fixed on purpose (a class must see the same prices all day): the dirham and the
riyal are pegged to the dollar; the others are 2024 annual averages, rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Presentment:
    currency: str
    symbol: str  # printed before the amount; a code is followed by a space
    per_usd: Decimal  # units of this currency for one US dollar
    places: int  # minor-unit digits shown (the rupiah has no cents in use)
    source: str

    def convert(self, usd: Decimal) -> Decimal:
        """A books amount (USD) in this currency, rounded to its minor unit."""
        step = Decimal(1).scaleb(-self.places)
        return (Decimal(usd) * self.per_usd).quantize(step, rounding=ROUND_HALF_UP)

    def text(self, amount: Decimal) -> str:
        digits = f"{Decimal(amount):,.{self.places}f}"
        return f"{self.symbol}{digits}" if len(self.symbol) == 1 else f"{self.symbol} {digits}"


USD = Presentment("USD", "$", Decimal("1"), 2, "the books' currency")
PRESENTMENT: dict[str, Presentment] = {
    "US": USD,
    "EU": Presentment("EUR", "€", Decimal("0.92"), 2, "ECB reference rate, 2024 average (~0.924)"),
    "UK": Presentment("GBP", "£", Decimal("0.78"), 2, "Bank of England, 2024 average (~0.782)"),
    "IN": Presentment("INR", "₹", Decimal("83.7"), 2, "Reserve Bank of India reference rate, 2024 average"),  # noqa: E501
    "AE": Presentment("AED", "AED", Decimal("3.6725"), 2, "Central Bank of the UAE: pegged at 3.6725 since 1997"),  # noqa: E501
    "SA": Presentment("SAR", "SAR", Decimal("3.75"), 2, "Saudi Central Bank: pegged at 3.75 since 1986"),  # noqa: E501
    "ID": Presentment("IDR", "Rp", Decimal("15850"), 0, "Bank Indonesia, 2024 average (~15,850)"),  # noqa: E501
}  # fmt: skip


def presentment(market: str) -> Presentment:
    return PRESENTMENT.get(market, USD)
