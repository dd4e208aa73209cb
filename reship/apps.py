from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReshipConfig(AppConfig):
    name = "reship"
    verbose_name = _("Reship requests")
