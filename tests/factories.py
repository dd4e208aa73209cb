"""factory_boy factories. Requests built here are raw rows for model and admin tests; tests of
behaviour build state through the workflow functions instead."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from orders.carriers import carrier_resolve
from orders.choices import Platform
from orders.models import Carrier, Order, OrderLine, Product, Seller, SellerMembership, Shipment
from reship.accounts.models import User
from reship.choices import EventKind, Reason, RequestStatus, Resolution
from reship.models import CommunicationRecord, ReshipEvent, ReshipLine, ReshipRequest
from reship.workflow.numbering import request_number_next
from suppliers.choices import PartnerMode, SupplierKind
from suppliers.models import DropshipPartner, PartnerContact, PartnerMembership, Supplier

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    language = "en"  # tests read English unless they ask for Chinese (see conftest)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = SupplierKind.SUPPLIER
    email = factory.Sequence(lambda n: f"source{n}@example.com")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DropshipPartner

    name = factory.Sequence(lambda n: f"Partner {n}")
    mode = PartnerMode.PROFESSIONAL
    email = factory.Sequence(lambda n: f"partner{n}@example.com")
    review_sla_hours = 24
    fulfilment_sla_hours = 72


class PartnerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerContact

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")


class PartnerMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMembership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    name = factory.Sequence(lambda n: f"Shop {n}")
    contact_email = factory.Sequence(lambda n: f"shop{n}@example.com")


class SellerMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerMembership

    user = factory.SubFactory(UserFactory)
    seller = factory.SubFactory(SellerFactory)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    seller = factory.SubFactory(SellerFactory)
    sku_code = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    supplier = factory.SubFactory(SupplierFactory)
    unit_cost = Decimal("20.00")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    seller = factory.SubFactory(SellerFactory)
    partner = factory.SubFactory(PartnerFactory)
    platform = Platform.TAOBAO
    platform_order_number = factory.Sequence(lambda n: f"TB{100000 + n}")
    customer_name = "张三"
    customer_phone = "13800138000"
    customer_email = "customer@example.com"
    ship_name = "张三"
    ship_phone = "13800138000"
    ship_phone_e164 = "+8613800138000"
    ship_country = "CN"
    ship_province = "上海市"
    ship_city = "上海市"
    ship_district = "浦东新区"
    ship_street = "世纪大道 100 号"
    ship_postcode = "200120"
    amount = Decimal("99.00")
    placed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory, seller=factory.SelfAttribute("..order.seller"))
    quantity = 2
    unit_price = Decimal("49.50")


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory)
    carrier = factory.LazyFunction(lambda: Carrier.objects.get(code="SF"))
    tracking_number = factory.Sequence(lambda n: f"SF{100000000000 + n}")
    shipped_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=4))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A carrier may be given as a sheet would name it: "ZTO", "SF Express", "顺丰".
        if isinstance(kwargs.get("carrier"), str):
            kwargs["carrier"] = carrier_resolve(kwargs["carrier"])
        return super()._create(model_class, *args, **kwargs)


class ReshipRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReshipRequest

    number = factory.LazyFunction(request_number_next)
    order = factory.SubFactory(OrderFactory)
    seller = factory.SelfAttribute("order.seller")
    partner = factory.SelfAttribute("order.partner")
    reason = Reason.LOST_IN_TRANSIT
    status = RequestStatus.SUBMITTED
    # The replacement goes where the order went unless the seller changes it.
    ship_name = factory.SelfAttribute("order.ship_name")
    ship_phone = factory.SelfAttribute("order.ship_phone")
    ship_phone_e164 = factory.SelfAttribute("order.ship_phone_e164")
    ship_country = factory.SelfAttribute("order.ship_country")
    ship_province = factory.SelfAttribute("order.ship_province")
    ship_city = factory.SelfAttribute("order.ship_city")
    ship_district = factory.SelfAttribute("order.ship_district")
    ship_street = factory.SelfAttribute("order.ship_street")
    ship_postcode = factory.SelfAttribute("order.ship_postcode")


class ReshipLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReshipLine

    request = factory.SubFactory(ReshipRequestFactory)
    order_line = factory.SubFactory(OrderLineFactory, order=factory.SelfAttribute("..request.order"))
    quantity = 1
    reason = Reason.LOST_IN_TRANSIT
    resolution = Resolution.RESEND


class ReshipEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReshipEvent

    request = factory.SubFactory(ReshipRequestFactory)
    kind = EventKind.SUBMITTED
    to_status = RequestStatus.SUBMITTED


class CommunicationRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunicationRecord

    request = factory.SubFactory(ReshipRequestFactory)
    counterpart = "customer"
    channel = "phone"
    summary = "Told the customer a new parcel is on its way."
