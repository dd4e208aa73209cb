"""The customer's tracking page (``/t/<token>/``): a signed link in every customer message, no account.

It shows the request's progress under the shop's name and logo with the platform order number the
customer knows, in the order's customer language unless the visitor picked another with the
language switch (its cookie). The link opens until ``RESHIP_FOLLOW_LINK_DAYS`` after the request
ended (``reship.customers.links``): then 410, like an expired survey link; a tampered token is 400
and an unknown request 404.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reship.core import signing
from reship.customers import policy
from reship.customers.links import follow_link_open
from reship.customers.progress import progress_load, progress_of
from reship.web.views.public import customer_page_context, customer_page_language, link_problem_page, not_found_page


@never_cache
@require_GET
def track(request: HttpRequest, token: str) -> HttpResponse:
    try:
        request_id = signing.track_token_read(token)
    except signing.LinkError as error:
        return link_problem_page(request, error)
    reship = progress_load(request_id)
    if reship is None:
        return not_found_page(request, _("This request does not exist."))
    language = customer_page_language(request, reship.order.customer_language)
    with translation.override(language):
        if not follow_link_open(reship, timezone.now(), events=reship.events.all()):
            message = _(
                "This page was open until %(days)s days after the request ended. Contact the shop if you need help."
            ) % {"days": settings.RESHIP_FOLLOW_LINK_DAYS}
            response = render(
                request,
                "customers/track_problem.html",
                {**customer_page_context(reship), "heading": _("This link has expired"), "message": message},
                status=410,
            )
        else:
            survey_path = signing.survey_path(reship) if reship.survey_sent_at is not None else ""
            response = render(
                request,
                "customers/track.html",
                {
                    **customer_page_context(reship),
                    "progress": progress_of(reship),
                    "survey_path": survey_path,
                    "time_zone": policy.customer_time_zone(reship.order),
                },
            )
        response.headers["Content-Language"] = language
    return response
