"""The reship domain's tables; split by job, re-exported so callers import from ``reship.models``."""

from reship.models.api import ApiKey, IdempotencyRecord, WebhookEndpoint
from reship.models.customers import CustomerMessageSetting, CustomerMessageTemplate
from reship.models.notifications import Notification
from reship.models.requests import (
    AppendOnlyError,
    AutoApprovalRule,
    CommunicationRecord,
    Evidence,
    RequestMessage,
    RequestNumberSequence,
    ReshipEvent,
    ReshipLine,
    ReshipRequest,
    RestockOrder,
    ShipToReveal,
    SurveyResponse,
    evidence_upload_to,
)
from reship.models.rollups import RequestRollup, RollupState
from reship.models.settlement import (
    SettlementTerms,
    Statement,
    StatementEvent,
    StatementLine,
    StatementPayment,
    StatementTotal,
)
from reship.models.uploads import PendingUpload

__all__ = [
    "ApiKey",
    "IdempotencyRecord",
    "WebhookEndpoint",
    "AppendOnlyError",
    "AutoApprovalRule",
    "CommunicationRecord",
    "CustomerMessageSetting",
    "CustomerMessageTemplate",
    "Evidence",
    "Notification",
    "PendingUpload",
    "RequestMessage",
    "RequestNumberSequence",
    "ReshipEvent",
    "ReshipLine",
    "RequestRollup",
    "ReshipRequest",
    "RollupState",
    "RestockOrder",
    "ShipToReveal",
    "SurveyResponse",
    "evidence_upload_to",
    "SettlementTerms",
    "Statement",
    "StatementEvent",
    "StatementLine",
    "StatementPayment",
    "StatementTotal",
]
