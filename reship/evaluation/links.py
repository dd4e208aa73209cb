"""Every figure links to the requests behind it: a dict of query parameters for the request list
(``/requests/?<urlencoded link>``), and ``evaluation_link_filter`` turns such a dict back into a
queryset filter, so the list shows exactly the requests a figure counted.

The parameters (all strings; absent means "any"):

============================  ==============================================================
``submitted_from``            ISO 8601 aware datetime: submitted at or after it
``submitted_to``              ISO 8601 aware datetime: submitted before it (half-open period)
``partner``                   dropship partner id
``supplier``                  source id: the request has a line of one of its products
``reason``                    reason code: the request's own reason or any line's
``status``                    status codes, comma-separated (``approved,fulfilling``)
``bearer``                    who bears the cost: ``seller|partner|supplier|carrier|shared``
``overdue``                   ``1``: open and past its stage's due time now
``escalated``                 ``1``: open and past its stage's escalation time now
``overdue_event``             ``any|reminder|escalation``: was sent such an overdue notice once
``reviewed``                  ``1``: reviewed (approved or rejected)
``resolved``                  ``1``: every line resolved
``review_sla``                ``hit|missed``: reviewed within the partner's review SLA or not
``fulfilment_sla``            ``hit|missed``: resolved within the fulfilment SLA of review or not
``surveyed``                  ``1|0``: the customer answered the survey, or not
``rating``                    ``1``–``5``: the customer's survey rating
``disputed``                  ``1``: closed with a platform dispute
``bad_review``                ``1``: closed with a bad review
``dispute_or_bad_review``     ``1``: either of the two
``followed_up``               ``1``: a follow-up request was filed for it (a repeat reship)
``follow_up``                 ``1``: it is itself a follow-up of an earlier request
``reported_from``             ISO 8601 aware datetime: reported by the customer at or after it
``reported_to``               ISO 8601 aware datetime: reported by the customer before it
``source``                    ``seller|customer``: filed by the seller, or reported by the customer
``auto_confirmed``            ``1|0``: the customer's report was confirmed by the shop's rule, or not
============================  ==============================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from django.db.models import Exists, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode

from reship.choices import CostBearer, Reason, RequestSource, RequestStatus
from reship.core.bounds import id_in_range, moment_in_range
from reship.evaluation import sql
from reship.evaluation.scope import EvaluationFilter, supplier_lines
from reship.lifecycle import OPEN_STATUSES

Link = dict[str, str]

LINK_PARAMETERS: tuple[str, ...] = (
    "seller",
    "submitted_from",
    "submitted_to",
    "partner",
    "supplier",
    "reason",
    "status",
    "bearer",
    "overdue",
    "escalated",
    "overdue_event",
    "reviewed",
    "resolved",
    "review_sla",
    "fulfilment_sla",
    "surveyed",
    "rating",
    "disputed",
    "bad_review",
    "dispute_or_bad_review",
    "followed_up",
    "follow_up",
    "reported_from",
    "reported_to",
    "source",
    "auto_confirmed",
)

COSTED = ",".join(sql.COSTED_STATUSES)
CLOSED = RequestStatus.CLOSED.value


def base_link(evaluation_filter: EvaluationFilter, *, period: bool = True) -> Link:
    """The filter itself as link parameters (the viewer's scope is the list page's own business)."""
    f = evaluation_filter
    link: Link = {}
    if period and f.start is not None:
        link["submitted_from"] = timezone.localtime(f.start).isoformat()
    if period and f.end is not None:
        link["submitted_to"] = timezone.localtime(f.end).isoformat()
    if f.partner_id is not None:
        link["partner"] = str(f.partner_id)
    if f.supplier_id is not None:
        link["supplier"] = str(f.supplier_id)
    if f.reason:
        link["reason"] = f.reason
    return link


def narrowed(link: Link, **extra: object) -> Link:
    """The link with more parameters; ``None`` values are left out."""
    return {**link, **{name: str(value) for name, value in extra.items() if value is not None}}


def requests_url(link: Link) -> str:
    """Where the request list shows a link's requests."""
    query = urlencode(link)
    return reverse("requests:list") + (f"?{query}" if query else "")


def _one_of(value: str, allowed, name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name}: unknown value {value!r}")
    return value


def _flag(value: str, name: str) -> bool:
    return _one_of(value, ("1", "0"), name) == "1"


def _identifier(value: str, name: str) -> int:
    if not re.fullmatch(r"[0-9]{1,19}", value) or not id_in_range(int(value)):
        raise ValueError(f"{name}: not an id: {value!r}")
    return int(value)


def _moment(value: str, name: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None or timezone.is_naive(moment) or not moment_in_range(moment):
        raise ValueError(f"{name}: not an aware ISO 8601 datetime from 2000 to 2099: {value!r}")
    return moment


def _sla(value: str, name: str, hit: Q, missed: Q) -> Q:
    return hit if _one_of(value, ("hit", "missed"), name) == "hit" else missed


def evaluation_link_filter(params: Mapping[str, str], *, now: datetime) -> Q:
    """A ``Q`` over ``ReshipRequest`` for a link's parameters (unknown names are ignored, so the
    request list's own parameters can sit beside them). Raises ``ValueError`` on a bad value.
    Combine it with the viewer's tenancy filter: a link never widens what a user may see."""
    q = Q()
    for name, value in params.items():
        if name not in LINK_PARAMETERS or value == "":
            continue
        if name == "submitted_from":
            q &= Q(submitted_at__gte=_moment(value, name))
        elif name == "submitted_to":
            q &= Q(submitted_at__lt=_moment(value, name))
        elif name == "seller":
            q &= Q(seller_id=_identifier(value, name))
        elif name == "partner":
            q &= Q(partner_id=_identifier(value, name))
        elif name == "supplier":
            q &= Q(Exists(supplier_lines(_identifier(value, name))))
        elif name == "reason":
            q &= sql.has_reason(_one_of(value, Reason.values, name))
        elif name == "status":
            q &= Q(status__in=[_one_of(each, RequestStatus.values, name) for each in value.split(",")])
        elif name == "bearer":
            q &= Q(cost_bearer=_one_of(value, CostBearer.values, name))
        elif name == "overdue":
            overdue = Q(status__in=OPEN_STATUSES, stage_due_at__lt=now)
            q &= overdue if _flag(value, name) else ~overdue
        elif name == "escalated":
            escalated = Q(status__in=OPEN_STATUSES, stage_escalate_at__lt=now)
            q &= escalated if _flag(value, name) else ~escalated
        elif name == "overdue_event":
            q &= Q(Exists(sql.overdue_events(_one_of(value, ("any", "reminder", "escalation"), name))))
        elif name == "reviewed":
            q &= sql.REVIEWED if _flag(value, name) else ~sql.REVIEWED
        elif name == "resolved":
            q &= sql.RESOLVED if _flag(value, name) else ~sql.RESOLVED
        elif name == "review_sla":
            q &= _sla(value, name, sql.review_sla_hit(), sql.review_sla_missed())
        elif name == "fulfilment_sla":
            q &= _sla(value, name, sql.fulfilment_sla_hit(), sql.fulfilment_sla_missed())
        elif name == "surveyed":
            q &= Q(survey_response__isnull=not _flag(value, name))
        elif name == "rating":
            q &= Q(survey_response__rating=int(_one_of(value, ("1", "2", "3", "4", "5"), name)))
        elif name == "disputed":
            q &= Q(platform_dispute=_flag(value, name))
        elif name == "bad_review":
            q &= Q(bad_review=_flag(value, name))
        elif name == "dispute_or_bad_review":
            either = Q(platform_dispute=True) | Q(bad_review=True)
            q &= either if _flag(value, name) else ~either
        elif name == "followed_up":
            q &= sql.FOLLOWED_UP if _flag(value, name) else ~sql.FOLLOWED_UP
        elif name == "follow_up":
            q &= Q(follow_up_of__isnull=not _flag(value, name))
        elif name == "reported_from":
            q &= Q(reported_at__gte=_moment(value, name))
        elif name == "reported_to":
            q &= Q(reported_at__lt=_moment(value, name))
        elif name == "source":
            q &= Q(source=_one_of(value, RequestSource.values, name))
        elif name == "auto_confirmed":
            q &= Q(auto_confirmed=_flag(value, name))
    return q
