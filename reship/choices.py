"""Statuses, reasons and event kinds of reship requests (补单). One comment per value."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestStatus(models.TextChoices):
    REPORTED = "reported", _("Reported by the customer")  # 售后自助: the seller confirms, edits or declines
    DECLINED = "declined", _("Declined")  # the seller declined the customer's report, with a reason (final)
    SUBMITTED = "submitted", _("Submitted")  # 补单申请: waiting for the partner's review
    NEEDS_INFO = "needs_info", _("Needs information")  # the partner asked the seller a question
    APPROVED = "approved", _("Approved")  # 审核确认: accepted with a quote; fulfilment not started
    REJECTED = "rejected", _("Rejected")  # the partner refused, with a reason (final)
    CANCELLED = "cancelled", _("Cancelled")  # the seller withdrew it before fulfilment (final)
    FULFILLING = "fulfilling", _("Restock / resend")  # 补货/补寄/补偿: lines being resolved
    INFO_UPDATE = "info_update", _("Info update")  # 更新信息: the seller updates the sales platform
    CUSTOMER_CONTACT = "customer_contact", _("Customer contact")  # 客户沟通: tell the customer
    CONTACTED = "contacted", _("Customer contacted")  # told; the seller closes with an evaluation
    CLOSED = "closed", _("Closed")  # evaluated and done (final)


class Reason(models.TextChoices):
    LOST_IN_TRANSIT = "lost_in_transit", _("Lost in transit")
    DAMAGED = "damaged", _("Damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    MISSING_ITEM = "missing_item", _("Missing item")
    QUALITY_DEFECT = "quality_defect", _("Quality defect")
    REFUSED_BY_CUSTOMER = "refused_by_customer", _("Refused by customer")
    OTHER = "other", _("Other")


class Resolution(models.TextChoices):
    RESEND = "resend", _("Resend")  # 补寄: the partner ships again from its own stock
    RESTOCK_RESEND = "restock_resend", _("Restock, then resend")  # 补货 then 补寄: the source supplies first
    COMPENSATION = "compensation", _("Compensation")  # 补偿: the customer is compensated instead


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # nothing done yet
    RESTOCKING = "restocking", _("Restock ordered")  # a restock order went to the source
    RESTOCKED = "restocked", _("Restocked")  # the source confirmed and shipped to the partner
    SHIPPED = "shipped", _("Shipped")  # resent to the customer with tracking (resolved)
    COMPENSATED = "compensated", _("Compensated")  # the customer was compensated (resolved)
    CANCELLED = "cancelled", _("Cancelled")  # the request ended before the line was resolved


RESOLVED_LINE_STATUSES = frozenset({LineStatus.SHIPPED, LineStatus.COMPENSATED})


class CompensationMethod(models.TextChoices):
    REFUND = "refund", _("Refund")
    VOUCHER = "voucher", _("Voucher")
    CASH = "cash", _("Cash")


class CostBearer(models.TextChoices):
    """Who pays for the reship (价格: the price side of approval)."""

    SELLER = "seller", _("Seller")
    PARTNER = "partner", _("Dropship partner")
    SUPPLIER = "supplier", _("Source")
    CARRIER = "carrier", _("Carrier")
    SHARED = "shared", _("Shared")


class EventKind(models.TextChoices):
    """What happened to a request; past tense, one per transition plus notes."""

    REPORTED = "reported", _("Reported by the customer")
    REPORT_EDITED = "report_edited", _("Report edited")
    REPORT_CONFIRMED = "report_confirmed", _("Report confirmed")
    REPORT_DECLINED = "report_declined", _("Report declined")
    SUBMITTED = "submitted", _("Submitted")
    INFO_REQUESTED = "info_requested", _("Information requested")
    INFO_ANSWERED = "info_answered", _("Information answered")
    APPROVED = "approved", _("Approved")
    AUTO_APPROVED = "auto_approved", _("Approved automatically")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    QUOTE_ACCEPTED = "quote_accepted", _("Quote accepted")
    QUOTE_DISPUTED = "quote_disputed", _("Quote disputed")
    QUOTE_REVISED = "quote_revised", _("Quote revised")
    RESTOCK_STARTED = "restock_started", _("Restock ordered")
    RESTOCK_CONFIRMED = "restock_confirmed", _("Restock confirmed")
    SHIPPED = "shipped", _("Shipped")
    COMPENSATED = "compensated", _("Compensated")
    INFO_UPDATED = "info_updated", _("Info updated")
    CUSTOMER_CONTACTED = "customer_contacted", _("Customer contacted")
    CLOSED = "closed", _("Closed")
    FOLLOWED_UP = "followed_up", _("Followed up")
    SHIP_TO_CHANGED = "ship_to_changed", _("Ship-to changed")
    SLIP_PRINTED = "slip_printed", _("Packing slip printed")
    DELIVERED = "delivered", _("Delivered")
    TRACKING_UPDATED = "tracking_updated", _("Tracking updated")
    SURVEY_SENT = "survey_sent", _("Survey sent")
    CUSTOMER_MESSAGE_SENT = "customer_message_sent", _("Customer told automatically")
    OVERDUE = "overdue", _("Overdue")
    # A platform admin's hand on a request (Django admin actions, through the workflow).
    PARTNER_REASSIGNED = "partner_reassigned", _("Partner reassigned")
    ESCALATED = "escalated", _("Escalated by the platform")
    NOTE = "note", _("Note")


class Counterpart(models.TextChoices):
    """Who the seller or partner talked to (沟通对象)."""

    PARTNER = "partner", _("Dropship partner")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Source")
    SELLER = "seller", _("Seller")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class QuoteStatus(models.TextChoices):
    """The price side (价格): the partner quotes at approval, the seller accepts or disputes."""

    NONE = "none", _("No quote yet")
    PENDING = "pending", _("Awaiting the seller")
    ACCEPTED = "accepted", _("Accepted")
    DISPUTED = "disputed", _("Disputed")


class RestockStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")  # sent to the source, waiting for its confirmation
    CONFIRMED = "confirmed", _("Confirmed")  # the source confirmed and gave a ship date
    CANCELLED = "cancelled", _("Cancelled")  # the request ended first


class AuthorRole(models.TextChoices):
    SELLER = "seller", _("Seller")
    PARTNER = "partner", _("Dropship partner")
    SYSTEM = "system", _("System")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    INBOX = "inbox", _("In-app inbox")
    WEBHOOK = "webhook", _("Webhook")
    SMS = "sms", _("SMS")
    IM = "im", _("Instant messaging")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # written, not delivered yet (or waiting for a retry)
    SENT = "sent", _("Sent")  # delivered; never sent again
    FAILED = "failed", _("Failed")  # gave up after the retry cap; an admin may retry it


class Action(models.TextChoices):
    """Everything a person (or the system) can do to a request; the workflow has one function each."""

    SUBMIT = "submit", _("Submit")
    CONFIRM_REPORT = "confirm_report", _("Confirm the report")
    EDIT_REPORT = "edit_report", _("Edit the report")
    DECLINE_REPORT = "decline_report", _("Decline the report")
    REQUEST_INFO = "request_info", _("Ask for information")
    ANSWER_INFO = "answer_info", _("Answer the question")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    CANCEL = "cancel", _("Cancel")
    ACCEPT_QUOTE = "accept_quote", _("Accept the quote")
    DISPUTE_QUOTE = "dispute_quote", _("Dispute the quote")
    REVISE_QUOTE = "revise_quote", _("Revise the quote")
    START_RESTOCK = "start_restock", _("Order a restock")
    CONFIRM_RESTOCK = "confirm_restock", _("Confirm a restock")
    SHIP = "ship", _("Ship")
    COMPENSATE = "compensate", _("Compensate")
    CONFIRM_INFO_UPDATE = "confirm_info_update", _("Confirm the info update")
    CONTACT_CUSTOMER = "contact_customer", _("Contact the customer")
    CLOSE = "close", _("Close")
    FOLLOW_UP = "follow_up", _("Follow up")
    CHANGE_SHIP_TO = "change_ship_to", _("Change the ship-to")
    PRINT_SLIPS = "print_slips", _("Print packing slips")
    MARK_DELIVERED = "mark_delivered", _("Mark delivered")
    # A platform admin's actions (Django admin): another partner takes the request, or both sides are
    # told it is escalated. Admins also cancel.
    REASSIGN_PARTNER = "reassign_partner", _("Reassign the partner")
    ESCALATE = "escalate", _("Escalate")


class RevealChannel(models.TextChoices):
    """Where a partner's user saw a ship-to in full (the reveal log)."""

    PAGE = "page", _("Request page")
    LIST = "list", _("To-ship list")
    SHEET = "sheet", _("To-ship sheet")
    SLIP = "slip", _("Packing slip")
    EXPORT = "export", _("Export")
    API = "api", _("API")


class RequestSource(models.TextChoices):
    """Who filed the request: the seller (page, API, import) or the customer (售后自助, the shop's public page)."""

    SELLER = "seller", _("Seller")
    CUSTOMER = "customer", _("Customer (self-service)")


class CustomerEvent(models.TextChoices):
    """The messages a customer may get; per shop, each goes out automatically or not, on chosen channels."""

    REQUEST_RECEIVED = "request_received", _("Request received")
    LINES_SHIPPED = "lines_shipped", _("Replacement shipped")
    LINES_COMPENSATED = "lines_compensated", _("Compensation paid")
    SURVEY_INVITATION = "survey_invitation", _("Satisfaction survey")
    REPORT_DECLINED = "report_declined", _("Report declined")


class CustomerChannels(models.TextChoices):
    """Where one customer message goes: one message per event unless the seller asks for both."""

    OFF = "off", _("Not sent automatically")
    EMAIL_OR_SMS = "email_or_sms", _("Email, or SMS when the order has no email")
    EMAIL = "email", _("Email only")
    SMS = "sms", _("SMS only")
    BOTH = "both", _("Email and SMS")


# --- settlement (对账结算): monthly statements between the seller and the partner, and the partner and a source ---
class SettlementPeriod(models.TextChoices):
    """How often a pair's statement is drawn up (set per seller in the partner's settings)."""

    MONTHLY = "monthly", _("Monthly")
    SEMI_MONTHLY = "semi_monthly", _("Twice a month (1st–15th, 16th–end)")
    WEEKLY = "weekly", _("Weekly (Monday–Sunday)")


class StatementKind(models.TextChoices):
    """Whom a statement is between. The partner issues both: to a seller for the reships it made for
    the seller's orders, to a source (货源方) for the costs the source bears."""

    SELLER = "seller", _("Partner and seller")
    SUPPLIER = "supplier", _("Partner and source")


class StatementStatus(models.TextChoices):
    """A statement's lifecycle (``reship.lifecycle`` holds its moves): drawn up, issued, disputed line by
    line, adjusted, confirmed by both sides, paid (in parts) until settled — or its open balance carried
    into the pair's next statement."""

    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    DISPUTED = "disputed", _("Disputed")
    ADJUSTED = "adjusted", _("Adjusted")
    CONFIRMED = "confirmed", _("Confirmed")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    SETTLED = "settled", _("Settled")
    CARRIED_FORWARD = "carried_forward", _("Carried forward")


class StatementSide(models.TextChoices):
    """The two sides of a statement: the partner issues it; the seller (or the source) checks it."""

    ISSUER = "issuer", _("Issuer")
    COUNTERPARTY = "counterparty", _("Counterparty")


class StatementAction(models.TextChoices):
    """What may be done to a statement; who and from which status: ``reship.lifecycle``."""

    REFRESH = "refresh", _("Recalculate the draft")
    ISSUE = "issue", _("Issue")
    CONFIRM = "confirm", _("Confirm")
    DISPUTE_LINE = "dispute_line", _("Dispute a line")
    ADJUST_LINE = "adjust_line", _("Adjust a disputed line")
    RECORD_PAYMENT = "record_payment", _("Record a payment")


class StatementItem(models.TextChoices):
    """What one statement line is for: a cost item of a closed request, or an adjustment."""

    GOODS = "goods", _("Goods")
    SHIPPING = "shipping", _("Shipping")
    COMPENSATION = "compensation", _("Compensation")
    ADJUSTMENT = "adjustment", _("Adjustment")


class StatementLineStatus(models.TextChoices):
    OPEN = "open", _("To check")
    DISPUTED = "disputed", _("Disputed")
    ADJUSTED = "adjusted", _("Adjusted")


class CostPayer(models.TextChoices):
    """Who paid a cost item out of pocket: the partner ships (goods, shipping) and may compensate the
    customer; the seller may compensate the customer itself."""

    SELLER = "seller", _("Seller")
    PARTNER = "partner", _("Dropship partner")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ALIPAY = "alipay", _("Alipay")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    CASH = "cash", _("Cash")
    OFFSET = "offset", _("Offset against other amounts")
    OTHER = "other", _("Other")


class StatementEventKind(models.TextChoices):
    """A statement's timeline, in the past tense."""

    DRAFTED = "drafted", _("Drawn up")
    REFRESHED = "refreshed", _("Recalculated")
    ISSUED = "issued", _("Issued")
    CONFIRMED = "confirmed", _("Confirmed")
    LINE_DISPUTED = "line_disputed", _("Line disputed")
    LINE_ADJUSTED = "line_adjusted", _("Line adjusted")
    ADJUSTMENT_ADDED = "adjustment_added", _("Adjustment line added")
    PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
    SETTLED = "settled", _("Settled")
    CARRIED_FORWARD = "carried_forward", _("Balance carried forward")
