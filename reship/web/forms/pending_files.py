"""File fields that survive a form's errors (photos on a new request, a thread attachment, an
answer's photos), and the one helper for a choice list's empty entry.

The files of such a field are judged and stored when they arrive (``reship.services.pending_uploads``),
whatever else is wrong with the form: a good file is kept and listed back by name with a "remove"
box, its id in a hidden input, so the corrected submission need not choose it again; a bad one is
named among the errors with its reason. The limits are said next to the field before any upload,
from the settings, and the input carries the size limit (``data-max-bytes``) for the page's script
to warn on choosing an oversize file; the server's check stays the rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reship.models import PendingUpload
from reship.services.pending_uploads import KeptFiles, pending_uploads_keep

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from reship.accounts.models import User

IMAGE_TYPES = "image/jpeg,image/png,image/gif,image/webp"
DOCUMENT_TYPES = f"{IMAGE_TYPES},application/pdf"


def empty_choice(label: StrOrPromise | None = None) -> tuple[str, StrOrPromise]:
    """The first entry of a choice list with nothing chosen yet: words, never Django's ``---------``."""
    return ("", label if label is not None else gettext_lazy("Choose…"))


def limits_text(*, images_only: bool, max_count: int) -> str:
    """The field's limits in words, from the settings: said before anyone uploads."""
    size = filesizeformat(settings.RESHIP_UPLOAD_MAX_BYTES)
    kinds = _("JPEG, PNG, GIF or WebP") if images_only else _("a photo (JPEG, PNG, GIF, WebP) or a PDF")
    if max_count == 1:
        return _("One file, up to %(size)s: %(kinds)s.") % {"size": size, "kinds": kinds}
    return _("Up to %(count)d files, up to %(size)s each: %(kinds)s.") % {
        "count": max_count,
        "size": size,
        "kinds": kinds,
    }


class KeptFilesInput(forms.FileInput):
    """A file input that lists the files kept from the last try, each with a hidden id (sent back
    as ``<name>_kept``) and a "remove" box (``<name>_remove``)."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, multiple: bool = True) -> None:
        self.allow_multiple_selected = multiple
        super().__init__(attrs)
        self.kept: list[PendingUpload] = []

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        html = super().render(name, value, attrs, renderer)
        if not self.kept:
            return html
        items = format_html_join(
            "",
            '<li><input type="hidden" name="{}_kept" value="{}"><span class="kept-name">{}</span> '
            '<small>({})</small> <label class="kept-remove"><input type="checkbox" name="{}_remove" value="{}"> '
            "{}</label></li>",
            (
                (
                    name,
                    upload.pk,
                    upload.name,
                    filesizeformat(upload.size),
                    name,
                    upload.pk,
                    _("Remove %(name)s") % {"name": upload.name},
                )
                for upload in self.kept
            ),
        )
        intro = _("Kept from your last try, sent with the form (no need to choose them again):")
        return format_html('<div class="kept-files"><p>{}</p><ul>{}</ul></div>{}', intro, items, html)


class PendingFilesField(forms.FileField):
    """The field's own value is not used: the form's ``_post_clean`` keeps its files (``KeepsFiles``).
    Its limits are read from the settings each time a form is made (not once, at import)."""

    def __init__(self, *, images_only: bool = True, max_count: int | None = None, **kwargs: Any) -> None:
        self.images_only = images_only
        self.fixed_count = max_count  # None: RESHIP_EVIDENCE_MAX_FILES
        self.base_help_text = kwargs.pop("help_text", "")
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", KeptFilesInput(multiple=max_count is None or max_count > 1))
        super().__init__(**kwargs)
        self._apply_limits()

    @property
    def max_count(self) -> int:
        return self.fixed_count if self.fixed_count is not None else settings.RESHIP_EVIDENCE_MAX_FILES

    def _apply_limits(self) -> None:
        limit = settings.RESHIP_UPLOAD_MAX_BYTES
        self.widget.attrs.update(
            {
                "accept": IMAGE_TYPES if self.images_only else DOCUMENT_TYPES,
                "data-max-bytes": str(limit),
                "data-too-large": _("%(name)s is larger than %(size)s: it will be refused.")
                % {"name": "{name}", "size": filesizeformat(limit)},
            }
        )
        limits = limits_text(images_only=self.images_only, max_count=self.max_count)
        self.help_text = f"{self.base_help_text} {limits}".strip()

    def __deepcopy__(self, memo: dict[int, Any]) -> PendingFilesField:
        copied = super().__deepcopy__(memo)
        assert isinstance(copied, PendingFilesField)
        copied._apply_limits()
        return copied

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        return []


class KeepsFiles(forms.Form):
    """A form whose ``PendingFilesField`` fields keep their files across its errors. The form sets
    ``self.user`` (who the files are kept for); ``kept_purposes`` names each field's purpose."""

    kept_purposes: ClassVar[dict[str, str]] = {}
    user: User | None = None

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # BaseForm's hook, absent from the stubs
        self.kept: dict[str, KeptFiles] = {}
        if not self.is_bound or self.user is None:
            return
        for name, purpose in self.kept_purposes.items():
            field = self.fields[name]
            assert isinstance(field, PendingFilesField)
            key = self.add_prefix(name)
            getlist = getattr(self.data, "getlist", None)
            result = pending_uploads_keep(
                user=self.user,
                purpose=purpose,
                files=self.files.getlist(key) if hasattr(self.files, "getlist") else [],
                kept_ids=getlist(f"{key}_kept") if getlist else (),
                removed_ids=getlist(f"{key}_remove") if getlist else (),
                images_only=field.images_only,
            )
            self.kept[name] = result
            assert isinstance(field.widget, KeptFilesInput)
            field.widget.kept = result.kept
            for message in result.refused:
                self.add_error(name, message)
            if len(result.kept) > field.max_count:
                self.add_error(
                    name,
                    _("Attach at most %(limit)d files; %(count)d are chosen: remove some.")
                    % {"limit": field.max_count, "count": len(result.kept)},
                )

    def kept_uploads(self, name: str) -> list[PendingUpload]:
        """The field's files to attach once the form is valid (earlier and new)."""
        kept = getattr(self, "kept", {}).get(name)
        return list(kept.kept) if kept else []
