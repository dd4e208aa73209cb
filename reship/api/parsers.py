"""The API's JSON and form parsers: DRF's, with a limit on the body's size and the JSON's nesting.

A body nested a thousand deep made the decoder (or the serializers after it) raise RecursionError,
a 500; no request of this API nests more than a few levels, so beyond ``MAX_DEPTH`` it is a 400. DRF
reads a JSON or form body straight from the socket, past ``DATA_UPLOAD_MAX_MEMORY_SIZE``, so the
size is checked here too: a larger body is a 413. (Multipart bodies are limited by Django's parser.)
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.utils import json

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

MAX_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


def read_bounded(stream: Any) -> bytes:
    """The body, or a 413 once it passes ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (nothing more is read)."""
    if stream is None:
        return b""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return bytes(stream.read())
    raw = bytes(stream.read(limit + 1))
    if len(raw) > limit:
        raise RequestTooLarge(_("The request body is too large."))
    return raw


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """True if arrays and objects nest deeper than ``limit`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    max_depth = MAX_DEPTH

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        raw = read_bounded(stream)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text)  # DRF's: NaN and Infinity, which are not JSON, are refused
        except RecursionError:
            raise exceptions.ParseError(_("The JSON body nests too deeply.")) from None
        except (ValueError, LookupError) as error:
            raise exceptions.ParseError(_("JSON parse error: %(error)s") % {"error": error}) from None
        if json_depth_exceeds(data, self.max_depth):
            raise exceptions.ParseError(
                _("The JSON body nests deeper than %(depth)d levels.") % {"depth": self.max_depth}
            )
        return data


class BoundedFormParser(FormParser):
    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> _ImmutableQueryDict:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        return QueryDict(read_bounded(stream), encoding=encoding)
