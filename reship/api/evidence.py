"""``requests/{id}/evidence/``: a request's evidence photos: list, upload, download.

Uploads are ``multipart/form-data`` with one or more ``evidence`` parts and go through
``reship.services.evidence.evidence_add``: the first bytes decide what a file is (a renamed executable is a
400 naming the ``evidence`` field), one bad file refuses the batch, and only the seller's staff add
evidence. Downloads stream the stored file with the content type found at upload. Another
organisation's request or photo is a 404, as is a photo of another request.
"""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from reship.api.auth import caller
from reship.api.idempotency import idempotent
from reship.api.mixins import FileDownloadMixin, PathIdsMixin, RequestRowsMixin, visible_request_or_404
from reship.api.pagination import ReshipCursorPagination
from reship.api.parsers import BoundedFormParser
from reship.api.schema import (
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_NOTE,
    READ_ERRORS,
    REQUEST_ID,
    WRITE_ERRORS,
    error_responses,
    path_parameter,
)
from reship.core.files import INLINE_TYPES, file_response
from reship.models import Evidence
from reship.selectors import requests as selectors
from reship.services.evidence import FIELD, evidence_add


class EvidenceSerializer(serializers.ModelSerializer):
    request_id = serializers.IntegerField(read_only=True)
    uploaded_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "request_id",
            "original_name",
            "content_type",
            "size_bytes",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_uploaded_by(self, evidence: Evidence) -> str | None:
        user = evidence.uploaded_by
        return (user.get_full_name() or user.username) if user is not None else None

    def get_download_url(self, evidence: Evidence) -> str:
        return reverse("api:request-evidence-file", kwargs={"request_id": evidence.request_id, "pk": evidence.pk})


class EvidenceUploadSerializer(serializers.Serializer):
    evidence = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        allow_empty=False,
        min_length=1,
        help_text="One or more photos (JPEG, PNG, GIF, WebP), each its own `evidence` part.",
    )


class EvidencePagination(ReshipCursorPagination):
    ordering = ("-uploaded_at", "-id")


EVIDENCE_EXAMPLE = {
    "id": 12,
    "request_id": 5,
    "original_name": "crushed-box.jpg",
    "content_type": "image/jpeg",
    "size_bytes": 184233,
    "uploaded_by": "Li Wei",
    "uploaded_at": "2026-03-02T09:30:00+08:00",
    "download_url": "/api/v1/requests/5/evidence/12/file/",
}


class RequestEvidenceView(RequestRowsMixin, generics.GenericAPIView):
    serializer_class = EvidenceSerializer
    pagination_class = EvidencePagination
    parser_classes = [MultiPartParser, BoundedFormParser]
    row_model = Evidence
    row_related = ("uploaded_by",)

    @extend_schema(
        tags=["evidence"],
        summary="A request's evidence photos, newest first",
        parameters=[REQUEST_ID],
        responses={200: EvidenceSerializer(many=True), **error_responses(*READ_ERRORS)},
        examples=[OpenApiExample("A photo", value=EVIDENCE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, **kwargs) -> Response:
        return self.list_rows(request)

    @extend_schema(
        tags=["evidence"],
        summary="Add photos to a request (the seller's staff)",
        parameters=[REQUEST_ID, IDEMPOTENCY_KEY],
        description="`multipart/form-data`, one `evidence` part per photo; at most "
        "`RESHIP_EVIDENCE_MAX_FILES` per request. One unacceptable file refuses them all. " + IDEMPOTENCY_NOTE,
        request={"multipart/form-data": EvidenceUploadSerializer},
        # The photos added, as a plain array (all of them fit in one answer): not a page of the list.
        responses={
            201: OpenApiResponse(
                {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}, "minItems": 1},
                description="The photos added, in the order they were sent.",
            ),
            **error_responses(*WRITE_ERRORS),
        },
        examples=[
            OpenApiExample("Added", value=[EVIDENCE_EXAMPLE], response_only=True, status_codes=["201"]),
            OpenApiExample(
                "Not a photo",
                value={
                    "code": "invalid",
                    "message": "setup.jpg is not one of the accepted files: JPEG, PNG, GIF or WebP photos.",
                    "field_errors": {FIELD: ["Not an accepted file type."]},
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, **kwargs) -> Response:
        request_id = self.kwargs["request_id"]  # parsed by PathIdsMixin
        actor = caller(request)
        reship = visible_request_or_404(actor, request_id)
        upload = EvidenceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        rows = evidence_add(request=reship, actor=actor, files=upload.validated_data[FIELD])
        return Response(EvidenceSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class EvidenceFileView(PathIdsMixin, FileDownloadMixin, generics.GenericAPIView):
    serializer_class = EvidenceSerializer  # for the schema's path parameters; the answer is the file

    @extend_schema(
        tags=["evidence"],
        summary="Download one photo",
        parameters=[REQUEST_ID, path_parameter("pk", "The photo's id.")],
        description="The file's bytes, with the content type found at upload (photos are shown inline).",
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The photo.")
            for content_type in sorted(INLINE_TYPES)
        }
        | error_responses(*READ_ERRORS),
    )
    def get(self, request: Request, **kwargs) -> FileResponse:
        request_id = self.kwargs["request_id"]  # parsed by PathIdsMixin
        pk = self.kwargs["pk"]  # parsed by PathIdsMixin
        evidence = selectors.request_evidence_for_user(user=caller(request), request_id=request_id, evidence_id=pk)
        if evidence is None:
            raise NotFound()
        return file_response(evidence.file, content_type=evidence.content_type, filename=evidence.original_name)
