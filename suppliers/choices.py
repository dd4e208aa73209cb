"""Choices for sources (货源方) and dropship partners (代发方), from the brief's tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupplierKind(models.TextChoices):
    SUPPLIER = "supplier", _("Supplier")  # 供应商: a trading source, domestic or foreign
    MANUFACTURER = "manufacturer", _("Manufacturer")  # 生产商: the goods' maker itself


class Region(models.TextChoices):
    DOMESTIC = "domestic", _("Domestic")
    OVERSEAS = "overseas", _("Overseas")


class PartnerMode(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual dropshipper")  # 个人代发: small, one person or a family
    PROFESSIONAL = "professional", _("Professional dropshipper")  # 专业代发: a company with a warehouse
    OVERSEAS = "overseas", _("Overseas dropshipper")  # 海外代发: ships from abroad


class Channel(models.TextChoices):
    """How people reach each other (电话 / 邮件 / 即时通讯 / 站内信)."""

    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    IM = "im", _("Instant messaging")
    SITE_MESSAGE = "site_message", _("Site message")
    SMS = "sms", _("SMS")


class MemberRole(models.TextChoices):
    MANAGER = "manager", _("Manager")  # may change the organisation's settings and members
    STAFF = "staff", _("Staff")
