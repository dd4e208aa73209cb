"""Who paid each compensation already recorded: the side of the user who recorded it (its
COMPENSATED event's actor), the partner when unknown (it pays the customer in the usual flow)."""

from django.db import migrations


def fill(apps, schema_editor):
    ReshipEvent = apps.get_model("reship", "ReshipEvent")
    ReshipLine = apps.get_model("reship", "ReshipLine")
    SellerMembership = apps.get_model("orders", "SellerMembership")
    seller_users = set(SellerMembership.objects.values_list("user_id", flat=True))
    by_seller: list[int] = []
    for actor_id, data in ReshipEvent.objects.filter(kind="compensated").values_list("actor_id", "data").iterator():
        if actor_id in seller_users and isinstance(data, dict):
            by_seller.extend(pk for pk in data.get("lines", []) if isinstance(pk, int))
    lines = ReshipLine.objects.filter(status="compensated", compensation_paid_by="")
    lines.filter(pk__in=by_seller).update(compensation_paid_by="seller")
    lines.exclude(pk__in=by_seller).update(compensation_paid_by="partner")


class Migration(migrations.Migration):
    dependencies = [("reship", "0009_settlement"), ("orders", "0010_report_key_unique")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
