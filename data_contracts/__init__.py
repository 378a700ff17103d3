"""Data contracts: one Pandera model per export of docs/exports.md, with its column docs.

`CONTRACTS` maps an export name (the first folder of its S3 keys) to its model.
"""

from ._base import ContractColumn, ExportModel, contract_columns
from .account_health import AccountHealth
from .buyer_messages import BuyerMessages
from .cancellations import Cancellations
from .chargebacks import Chargebacks
from .claims import Claims
from .cs_surveys import CsSurveys
from .feedback import Feedback
from .mfn_shipments import MfnShipments
from .orders import Orders
from .return_requests import ReturnRequests

CONTRACTS: dict[str, type[ExportModel]] = {
    "orders": Orders,
    "feedback": Feedback,
    "account_health": AccountHealth,
    "mfn_shipments": MfnShipments,
    "cancellations": Cancellations,
    "claims": Claims,
    "chargebacks": Chargebacks,
    "return_requests": ReturnRequests,
    "buyer_messages": BuyerMessages,
    "cs_surveys": CsSurveys,
}

__all__ = ["CONTRACTS", "ContractColumn", "ExportModel", "contract_columns"]
