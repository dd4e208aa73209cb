"""Uploaded and generated files in an S3-compatible object store (issue 20): the settings' wiring
(``reship.config.settings.storage``), then each kind of file stored, read and deleted through a
real S3 server (moto's, started by ``tests.storage_support``): evidence from the new-request page
and the API, a photo kept across a form's errors, thread attachments, an order import read by its
task from the bucket and its refused rows, a shop's logo, the purge of unused uploads. Every file
goes out through the app's own views, to its organisation only; nothing lands on local disk.

Expected values are written by hand.
"""

import csv
import io
import secrets
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from orders.choices import ImportStatus, Platform
from orders.imports import jobs
from orders.models import ImportJob, Order, Seller
from reship.choices import RequestStatus
from reship.config.settings.storage import LOCAL_BACKEND, S3_BACKEND, default_storage_setting
from reship.models import Evidence, PendingUpload, RequestMessage
from reship.services import pending_uploads
from reship.services.pending_uploads import pending_uploads_purge
from suppliers.choices import MemberRole
from tests import workflow_states as states
from tests.api.test_keys import api_client_for
from tests.config.test_compose import clean_environment, manage
from tests.factories import SellerMembershipFactory
from tests.services.test_evidence import png_bytes
from tests.services.test_tracking_import import refused_of, run, xlsx_file
from tests.storage_support import bucket, moto_endpoint, storage_url  # noqa: F401 - the fixtures
from tests.web.test_orders import _submit_data, shop  # noqa: F401 - the new-request page's fixture

pytestmark = pytest.mark.django_db
s3 = pytest.mark.s3
SPOOL = 2 * 1024 * 1024

# --- the settings ---------------------------------------------------------------------------------


def test_without_a_bucket_files_stay_in_the_local_folder():
    assert default_storage_setting(url="", bucket="", spool_bytes=SPOOL) == {"BACKEND": LOCAL_BACKEND}


def test_a_storage_url_names_the_bucket_endpoint_region_keys_and_prefix_and_keeps_the_files_private():
    setting = default_storage_setting(
        url="s3://AK%2F1:se%40cret@Reship-Files?endpoint_url=https://oss.example.com:9000"
        "&region=cn-hangzhou&addressing_style=virtual&location=prod",
        bucket="",
        spool_bytes=SPOOL,
    )

    assert setting == {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": "Reship-Files",
            "access_key": "AK/1",
            "secret_key": "se@cret",
            "endpoint_url": "https://oss.example.com:9000",
            "region_name": "cn-hangzhou",
            "addressing_style": "virtual",
            "location": "prod",
            "default_acl": None,
            "querystring_auth": False,
            "file_overwrite": False,
            "max_memory_size": SPOOL,
        },
    }


def test_the_aws_variables_name_the_bucket_and_the_url_wins_where_both_say():
    by_variables = default_storage_setting(
        url="",
        bucket="reship",
        endpoint_url="http://minio:9000",
        region="us-east-1",
        access_key="key",
        secret_key="secret",
        spool_bytes=SPOOL,
    )
    both = default_storage_setting(
        url="s3://other?region=eu-west-1", bucket="reship", region="us-east-1", spool_bytes=SPOOL
    )

    assert by_variables["BACKEND"] == S3_BACKEND
    assert {key: by_variables["OPTIONS"][key] for key in ("bucket_name", "endpoint_url", "region_name")} == {
        "bucket_name": "reship",
        "endpoint_url": "http://minio:9000",
        "region_name": "us-east-1",
    }
    assert (by_variables["OPTIONS"]["access_key"], by_variables["OPTIONS"]["secret_key"]) == ("key", "secret")
    assert (both["OPTIONS"]["bucket_name"], both["OPTIONS"]["region_name"]) == ("other", "eu-west-1")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://bucket.example.com", "STORAGE_URL must look like s3://bucket"),
        ("s3://", "STORAGE_URL must look like s3://bucket"),
        ("s3://bucket?acl=public-read", "STORAGE_URL: unknown option 'acl'"),
    ],
)
def test_a_storage_url_that_cannot_be_read_stops_the_start(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        default_storage_setting(url=url, bucket="", spool_bytes=SPOOL)


# --- files in the bucket --------------------------------------------------------------------------


def _png(name: str = "crushed.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@s3
def test_evidence_from_the_new_request_page_is_stored_in_the_bucket_and_served_to_its_sides_only(
    client,
    bucket,  # noqa: F811
    shop,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client.force_login(shop.user)
    data = {**_submit_data(shop), "evidence": [_png()]}

    with django_capture_on_commit_callbacks(execute=True):  # the page keeps photos first, then moves them
        response = client.post(reverse("orders:new-request", args=[shop.order.pk]), data)

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert bucket.keys("evidence/") == [evidence.file.name]
    assert bucket.read(evidence.file.name) == png_bytes()
    assert bucket.keys("pending/") == []

    url = reverse("requests:evidence", args=[evidence.request_id, evidence.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert (download["Content-Type"], download["X-Content-Type-Options"]) == ("image/png", "nosniff")
    assert download["Cache-Control"] == "private, max-age=3600"
    assert download["Content-Length"] == str(len(png_bytes()))
    assert _body(download) == png_bytes()

    stranger = SellerMembershipFactory().user
    client.force_login(stranger)
    assert client.get(url).status_code == 404


@s3
def test_a_photo_kept_across_a_forms_errors_waits_in_the_bucket_and_moves_to_the_request(
    client,
    bucket,  # noqa: F811
    shop,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client.force_login(shop.user)
    bad = {**_submit_data(shop, **{f"line_{shop.line_a.pk}_quantity": ""}), "evidence": [_png()]}
    new_request = reverse("orders:new-request", args=[shop.order.pk])

    first = client.post(new_request, bad)

    assert first.status_code == 400
    kept = PendingUpload.objects.get()
    assert bucket.keys() == [kept.file.name]
    assert kept.file.name.startswith("pending/")

    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(new_request, {**_submit_data(shop), "evidence_kept": [str(kept.pk)]})

    assert second.status_code == 302
    evidence = Evidence.objects.get()
    assert bucket.keys() == [evidence.file.name]  # the pending copy is deleted once the request commits
    assert bucket.read(evidence.file.name) == png_bytes()
    assert PendingUpload.objects.count() == 0


@s3
def test_unused_pending_uploads_are_purged_with_their_objects(bucket):  # noqa: F811
    user = SellerMembershipFactory().user
    old = pending_uploads.pending_uploads_keep(
        user=user, purpose="evidence", files=[_png("old.png")], now=timezone.now() - timedelta(days=3)
    ).kept[0]
    fresh = pending_uploads.pending_uploads_keep(user=user, purpose="evidence", files=[_png("fresh.png")]).kept[0]
    assert bucket.keys() == sorted([old.file.name, fresh.file.name])

    assert pending_uploads_purge(now=timezone.now()) == 1

    assert bucket.keys() == [fresh.file.name]
    assert list(PendingUpload.objects.all()) == [fresh]


@s3
def test_evidence_uploaded_through_the_api_lands_in_the_bucket_and_downloads_for_its_organisation_only(
    bucket,  # noqa: F811
):
    parties = states.make_parties()
    reship = states.submit(parties)
    client, _key, _raw = api_client_for(parties.seller)

    response = client.post(
        f"/api/v1/requests/{reship.pk}/evidence/",
        {"evidence": [_png("box.png"), _png("label.png")]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="s3-evidence-1",
    )

    assert response.status_code == 201
    stored = sorted(Evidence.objects.values_list("file", flat=True))
    assert bucket.keys() == stored
    assert len(stored) == 2
    url = response.json()[0]["download_url"]
    for user in (parties.seller, parties.partner):
        download = api_client_for(user)[0].get(url, HTTP_ACCEPT="image/png")
        assert download.status_code == 200
        assert _body(download) == png_bytes()
    for user in (parties.other_seller, parties.other_partner):
        assert api_client_for(user)[0].get(url, HTTP_ACCEPT="image/png").status_code == 404


@s3
def test_an_object_missing_from_the_bucket_is_a_404_not_an_error(bucket):  # noqa: F811
    parties = states.make_parties()
    reship = states.submit(parties)
    client, _key, _raw = api_client_for(parties.seller)
    response = client.post(f"/api/v1/requests/{reship.pk}/evidence/", {"evidence": [_png()]}, format="multipart")
    evidence = Evidence.objects.get()
    bucket.client.delete_object(Bucket=bucket.name, Key=evidence.file.name)

    download = client.get(response.json()[0]["download_url"], HTTP_ACCEPT="image/png")

    assert download.status_code == 404


@s3
def test_thread_attachments_of_the_same_name_stay_two_objects_each_served_to_its_request(bucket):  # noqa: F811
    parties = states.make_parties()
    reship = states.submit(parties)
    other = states.make_parties()
    theirs = states.submit(other)
    urls = []
    for who, request in ((parties.seller, reship), (other.seller, theirs)):
        client = APIClient()
        client.force_login(who)
        response = client.post(
            f"/api/v1/requests/{request.pk}/messages/",
            {"body": "The box", "attachment": _png("box.png")},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        urls.append(response.json()["attachment_url"])

    names = sorted(RequestMessage.objects.values_list("attachment", flat=True))
    assert bucket.keys() == names
    assert len(set(names)) == 2  # the second box.png did not overwrite the first
    client = APIClient()
    client.force_login(parties.seller)
    mine = client.get(urls[0], HTTP_ACCEPT="image/png")
    assert mine.status_code == 200
    assert _body(mine) == png_bytes()
    assert client.get(urls[1], HTTP_ACCEPT="image/png").status_code == 404


HEADER = "订单编号,下单时间,收货人,手机,收货地址,商品编码,数量,单价,代发方"
ROW = "{number},2026-11-20 14:03,张三,13800138000,上海市浦东新区世纪大道100号,{sku},{quantity},19.90,{partner}"


@s3
def test_an_order_import_is_read_by_its_task_from_the_bucket_and_its_refused_rows_come_back_from_it(
    client,
    bucket,  # noqa: F811
    shop,  # noqa: F811
):
    client.force_login(shop.user)
    partner = shop.partner.name
    rows = [
        ROW.format(number="TB1", sku="SKU-A", quantity=1, partner=partner),
        ROW.format(number="TB2", sku="NOPE", quantity=1, partner=partner),
    ]
    upload = SimpleUploadedFile("orders.csv", ("\n".join([HEADER, *rows]) + "\n").encode(), content_type="text/csv")

    response = client.post(reverse("orders:import"), {"file": upload, "platform": Platform.TAOBAO, "preset": ""})

    assert response.status_code == 302
    job = ImportJob.objects.get(seller=shop.seller)
    assert bucket.keys("imports/") == [job.file.name]
    # What the worker reads is the bucket's object: changed there, the import sees the change.
    changed = bucket.read(job.file.name).decode().replace("TB1,", "TB9,")
    bucket.client.put_object(Bucket=bucket.name, Key=job.file.name, Body=changed.encode())

    jobs.order_import_configure(
        actor=shop.user, job_id=job.pk, mapping=job.mapping, platform=Platform.TAOBAO, partner_id=None
    )
    job = jobs.order_import_start(actor=shop.user, job_id=job.pk)  # Celery runs the task eagerly here

    assert job.status == ImportStatus.DONE
    numbers = sorted(Order.objects.filter(seller=shop.seller).values_list("platform_order_number", flat=True))
    assert numbers == ["TB2026050001", "TB9"]  # the shop's own order, and the bucket's row
    assert job.refused_file.name in bucket.keys("imports/")
    download = client.get(reverse("orders:import-refused", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="refused-rows-orders.csv"'
    refused = list(csv.reader(io.StringIO(_body(download).decode("utf-8-sig"))))
    assert refused[1][0] == "TB2"

    client.force_login(SellerMembershipFactory().user)
    assert client.get(reverse("orders:import-refused", args=[job.pk])).status_code == 404


@s3
def test_a_partners_tracking_sheet_in_xlsx_is_read_from_the_bucket_and_its_refused_rows_kept_there(
    bucket,  # noqa: F811
):
    parties = states.make_parties()
    approved = states.request_in(RequestStatus.APPROVED, parties)
    sheet = xlsx_file(
        [
            [approved.number, None, "SKU-A", "EMS", 1234567890123, None],
            ["RS-0000-000000", None, "SKU-A", "EMS", 1234567890124, None],
        ]
    )

    job = run(parties.partner, sheet)

    assert bucket.keys() == sorted([job.file.name, job.refused_file.name])
    assert job.file.name.endswith(".xlsx")
    assert states.line(approved, "A").shipment.tracking_number == "1234567890123"
    assert list(refused_of(job)) == [3]


@s3
def test_a_shops_logo_is_stored_in_the_bucket_served_publicly_and_the_replaced_one_deleted(
    client,
    bucket,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    manager = SellerMembershipFactory(role=MemberRole.MANAGER, user__language="en").user
    client.force_login(manager)
    for name in ("first.png", "second.png"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/account/shop/",
                {"section": "branding", "display_name": "Little Deer", "logo": _png(name)},
            )
        assert response.status_code == 302

    seller = Seller.objects.get(pk=manager.seller_membership.seller_id)
    assert bucket.keys() == [seller.logo.name]  # the first logo's object went with it
    client.logout()
    logo = client.get(f"/c/{seller.report_key}/logo/")
    assert logo.status_code == 200
    assert (logo["Content-Type"], logo["Cache-Control"]) == ("image/png", "public, max-age=3600")
    assert _body(logo) == png_bytes()


@s3
def test_the_default_storage_is_the_bucket_under_the_fixture(bucket):  # noqa: F811
    name = default_storage.save("probe/hello.txt", io.BytesIO(b"hello"))

    assert bucket.keys() == [name]
    assert bucket.head(name)["ContentLength"] == 5
    default_storage.delete(name)
    assert bucket.keys() == []


@s3
def test_the_production_profile_stores_in_the_bucket_named_by_storage_url_in_the_environment(
    bucket,  # noqa: F811
):
    environment = clean_environment(
        DJANGO_SETTINGS_MODULE="reship.config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(45),
        DATABASE_URL="postgres://nobody@127.0.0.1:1/unused",  # never connected: no query is made
        ALLOWED_HOSTS="reship.example.com",
        STORAGE_URL=storage_url(bucket.name, bucket.endpoint, location="node-b"),
    )
    script = (
        "from django.core.files.base import ContentFile;"
        "from django.core.files.storage import default_storage;"
        "print(default_storage.save('probe/from-another-node.txt', ContentFile(b'hello')))"
    )

    result = manage("shell", "-c", script, environment=environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "probe/from-another-node.txt"
    assert bucket.keys() == ["node-b/probe/from-another-node.txt"]
    assert bucket.read("node-b/probe/from-another-node.txt") == b"hello"
