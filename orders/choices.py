from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    """The sales platform an order was placed on; its order number is unique per seller."""

    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD.com")
    PINDUODUO = "pinduoduo", _("Pinduoduo")
    DOUYIN = "douyin", _("Douyin")
    SHOPIFY = "shopify", _("Shopify")
    AMAZON = "amazon", _("Amazon")
    OWN_SITE = "own_site", _("Own web shop")
    OTHER = "other", _("Other")


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting shipment")  # paid, the partner has not shipped yet
    SHIPPED = "shipped", _("Shipped")  # the original parcel is on its way
    DELIVERED = "delivered", _("Delivered")  # the carrier reports it delivered
    CANCELLED = "cancelled", _("Cancelled")  # cancelled on the platform before shipping


class TrackingStatus(models.TextChoices):
    """Where a parcel is, as the partner, the seller, the tracking import or a tracking provider last said."""

    SHIPPED = "shipped", _("Shipped")  # handed to the carrier; nothing heard since
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")  # final: the customer has the goods
    EXCEPTION = "exception", _("Delivery problem")  # returned, refused, lost: someone should look


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")


class ImportKind(models.TextChoices):
    ORDERS = "orders", _("Orders")  # a seller's platform export: orders and their lines
    TRACKING = "tracking", _("Tracking numbers")  # a partner's list of parcels shipped for orders


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting column mapping")  # uploaded and read; the user maps columns next
    QUEUED = "queued", _("Queued")  # confirmed; waiting for a worker to start it
    RUNNING = "running", _("Importing")  # rows are being read and written
    DONE = "done", _("Done")  # finished; the counts and refused rows are final
    FAILED = "failed", _("Failed")  # stopped on an error that is not a row's (see ``error``); nothing more was written
