"""The domain's tables, by topic: stores (and what they sell), runs, orders and the daily funnel,
shocks applied to stores and scenarios started for a class, and the classroom (training
sessions, teams, rounds, decisions).

`from stores.models import X` finds every model and every vocabulary (stores/choices.py).
"""

from ..choices import (
    FINAL_STATUSES,
    PAID_CHANNELS,
    BusinessModel,
    Channel,
    ChunkStatus,
    Currency,
    Market,
    OrderStatus,
    PaymentMethod,
    ReturnShippingPayer,
    RunStatus,
    Source,
)
from .classroom import (
    DECISION_KEYS,
    Courier,
    Decision,
    Round,
    RoundStatus,
    SessionStatus,
    Team,
    TrainingSession,
)
from .orders import (
    FUNNEL_COUNT_FIELDS,
    ROLLUP_COUNT_FIELDS,
    CheckoutClaim,
    DailyFunnel,
    FunnelColumns,
    Order,
    OrderLine,
    OrderQuerySet,
    RunStoreDay,
    RunStoreWeek,
)
from .preferences import DashboardPreference
from .runs import RunChunk, SimulationRun
from .shocks import AppliedShock, ScenarioRun
from .stores import (
    STORE_RANGES,
    Customer,
    Product,
    Store,
    StoreChannel,
    StoreQuerySet,
    default_payment_methods,
)

__all__ = [
    "DECISION_KEYS",
    "AppliedShock",
    "Courier",
    "Decision",
    "Round",
    "RoundStatus",
    "SessionStatus",
    "Team",
    "TrainingSession",
    "FINAL_STATUSES",
    "FUNNEL_COUNT_FIELDS",
    "FunnelColumns",
    "PAID_CHANNELS",
    "ROLLUP_COUNT_FIELDS",
    "STORE_RANGES",
    "BusinessModel",
    "Channel",
    "CheckoutClaim",
    "ChunkStatus",
    "Currency",
    "Customer",
    "DailyFunnel",
    "DashboardPreference",
    "Market",
    "Order",
    "OrderLine",
    "OrderQuerySet",
    "OrderStatus",
    "PaymentMethod",
    "Product",
    "ReturnShippingPayer",
    "RunChunk",
    "RunStoreDay",
    "RunStoreWeek",
    "RunStatus",
    "ScenarioRun",
    "SimulationRun",
    "Source",
    "Store",
    "StoreChannel",
    "StoreQuerySet",
    "default_payment_methods",
]
