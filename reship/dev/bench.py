"""The benchmark's floor (``make bench``): the cheapest useful answer this stack can give.

One primary-key query, a small JSON body, through the same middleware, settings and server as
every page, so "requests per second relative to the floor" measures what a page adds. A 404 unless
``RESHIP_BENCH_FLOOR`` is on: the bench runner turns it on for its own server only.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from orders.models import Seller
from reship.core.bounds import id_from_text


@require_GET
def floor(request: HttpRequest) -> JsonResponse:
    if not settings.RESHIP_BENCH_FLOOR:
        raise Http404
    raw = request.GET.get("id", "1")
    seller = Seller.objects.filter(pk=id_from_text(raw) or 0).values("id", "name").first()
    if seller is None:
        raise Http404
    return JsonResponse(seller)
