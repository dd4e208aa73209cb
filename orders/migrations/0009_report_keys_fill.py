"""Every existing shop gets its after-sale page key (0008 added the column empty)."""

import secrets

from django.db import migrations


def fill(apps, schema_editor):
    Seller = apps.get_model("orders", "Seller")
    for seller in Seller.objects.filter(report_key__isnull=True).only("pk"):
        Seller.objects.filter(pk=seller.pk).update(report_key=secrets.token_urlsafe(9))


class Migration(migrations.Migration):
    dependencies = [("orders", "0008_shop_branding_after_sale")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
