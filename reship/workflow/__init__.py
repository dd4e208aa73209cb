"""The only code that changes a reship request's status (补单申请 → 审核确认 → 补货/补寄 → 更新信息 → 客户沟通).

Every transition is one function. Each one, in a single transaction (``base.transition``): locks
the request row, checks the actor may see it (else ``RequestNotFound``: another organisation's
request is a 404, never a leak), may take the action and the status allows it (``action_check``,
from ``reship.lifecycle``; else ``ActionNotPermitted`` or ``InvalidTransition`` saying what is
possible now), validates the input (``InvalidInput``), writes the change with ``update_fields``,
one event, the next step's due time, and the notification rows, which Celery delivers after commit.

``actor=None`` means the system (automatic approval, the source through its signed link); only
this package's own callers pass it, never a view acting for a person.

One module per family of transitions: ``application``, ``report`` (a customer's own report, the
seller's before it is the partner's), ``review``, ``quote``, ``fulfilment``, ``closing``, ``ship_to``
(改地址), ``delivery`` (parcels delivered, the survey's schedule), ``admin_actions`` (a platform
admin reassigns the partner or escalates); ``actions`` maps a parsed action to
its function; ``bulk`` approves many at once; ``timeliness`` keeps the SLA clock and
sends reminders. This module is their public face.
"""

from reship.workflow.admin_actions import reassign_refusal, reship_escalate, reship_reassign_partner
from reship.workflow.application import (
    LineRequest,
    reship_follow_up,
    reship_submit,
)
from reship.workflow.base import action_check, actions_for, allowed_actions
from reship.workflow.closing import (
    outcome_message,
    reship_close,
    reship_confirm_info_update,
    reship_contact_customer,
    survey_answer,
)
from reship.workflow.delivery import (
    DeliveredBy,
    reship_mark_delivered,
    reship_record_tracking,
    survey_schedule,
    surveys_send_due,
)
from reship.workflow.fulfilment import (
    ShipItem,
    reship_compensate,
    reship_confirm_restock,
    reship_ship,
    reship_start_restock,
)
from reship.workflow.printing import reship_print_slips
from reship.workflow.quote import reship_accept_quote, reship_dispute_quote, reship_revise_quote
from reship.workflow.report import (
    ReportAlreadyOpen,
    reship_confirm_report,
    reship_decline_report,
    reship_edit_report,
    reship_report,
)
from reship.workflow.review import reship_answer_info, reship_approve, reship_cancel, reship_reject, reship_request_info
from reship.workflow.ship_to import reship_change_ship_to

__all__ = [
    "DeliveredBy",
    "LineRequest",
    "ReportAlreadyOpen",
    "ShipItem",
    "action_check",
    "actions_for",
    "allowed_actions",
    "outcome_message",
    "reassign_refusal",
    "reship_accept_quote",
    "reship_answer_info",
    "reship_approve",
    "reship_cancel",
    "reship_change_ship_to",
    "reship_close",
    "reship_compensate",
    "reship_confirm_report",
    "reship_confirm_info_update",
    "reship_confirm_restock",
    "reship_contact_customer",
    "reship_decline_report",
    "reship_dispute_quote",
    "reship_edit_report",
    "reship_escalate",
    "reship_follow_up",
    "reship_mark_delivered",
    "reship_print_slips",
    "reship_reassign_partner",
    "reship_record_tracking",
    "reship_reject",
    "reship_report",
    "reship_request_info",
    "reship_revise_quote",
    "reship_ship",
    "reship_start_restock",
    "reship_submit",
    "survey_answer",
    "survey_schedule",
    "surveys_send_due",
]
