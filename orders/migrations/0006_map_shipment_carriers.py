"""Free-text carriers become rows of the carrier table, in a migration of its own: PostgreSQL will not
alter a table while this update's foreign-key checks are pending (0007 alters it next)."""

import re

from django.db import migrations


def _key(name):
    return re.sub(r"[\s\-_.]", "", name or "").upper()


def map_shipment_carriers(apps, schema_editor):
    """By code, name or other name; the whole text first, then a known name inside it; unknown
    ones become "other" with the text kept as written."""
    Carrier = apps.get_model("orders", "Carrier")
    Shipment = apps.get_model("orders", "Shipment")
    by_name = {}
    for carrier in Carrier.objects.all():
        for name in [carrier.code, carrier.name_zh, carrier.name_en, *carrier.aliases]:
            by_name.setdefault(_key(name), carrier.pk)
    # Longer names first, so "顺丰速运 SF Express" finds 顺丰速运 before any short code; codes of
    # two letters only match the whole text (SF, JT), never inside another word.
    contained = sorted(((key, pk) for key, pk in by_name.items() if len(key) >= 3), key=lambda item: -len(item[0]))
    other = Carrier.objects.get(code="OTHER").pk
    for text in Shipment.objects.values_list("carrier", flat=True).distinct().iterator():
        key = _key(text)
        carrier_id = by_name.get(key) or next((pk for name, pk in contained if name in key), None)
        Shipment.objects.filter(carrier=text).update(
            carrier_ref_id=carrier_id or other, carrier_label="" if carrier_id else text[:60]
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_ship_to_and_carriers")]

    operations = [migrations.RunPython(map_shipment_carriers, migrations.RunPython.noop)]
