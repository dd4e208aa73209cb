"""The last part of the carrier change, in its own transaction (PostgreSQL refuses to alter a table with the
data migration's deferred foreign-key checks still pending): parcels now point at the carrier
table, the old text columns go, and parcels known delivered say so."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_map_shipment_carriers")]

    operations = [
        migrations.RemoveField(model_name="order", name="shipping_address"),
        migrations.RemoveConstraint(model_name="shipment", name="shipment_tracking_unique_per_carrier"),
        migrations.RemoveField(model_name="shipment", name="carrier"),
        migrations.RenameField(model_name="shipment", old_name="carrier_ref", new_name="carrier"),
        migrations.AlterField(
            model_name="shipment",
            name="carrier",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="shipments",
                to="orders.carrier",
                verbose_name="carrier",
            ),
        ),
        migrations.AddConstraint(
            model_name="shipment",
            constraint=models.UniqueConstraint(
                fields=("carrier", "tracking_number"), name="shipment_tracking_unique_per_carrier"
            ),
        ),
        migrations.AddField(
            model_name="shipment",
            name="tracking_status",
            field=models.CharField(
                choices=[
                    ("shipped", "Shipped"),
                    ("in_transit", "In transit"),
                    ("out_for_delivery", "Out for delivery"),
                    ("delivered", "Delivered"),
                    ("exception", "Delivery problem"),
                ],
                default="shipped",
                max_length=20,
                verbose_name="tracking status",
            ),
        ),
        migrations.AddField(
            model_name="shipment",
            name="tracking_checked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="tracking last checked at"),
        ),
        migrations.RunSQL(
            "UPDATE orders_shipment SET tracking_status = 'delivered' WHERE delivered_at IS NOT NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name="shipment",
            index=models.Index(
                condition=Q(delivered_at__isnull=True, reship_request__isnull=False),
                fields=["tracking_checked_at"],
                name="shipment_to_track",
            ),
        ),
    ]
