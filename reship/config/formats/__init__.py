"""Date and number formats per language (``FORMAT_MODULE_PATH``): one date format, Y-m-d H:i, in
both languages, the app's pages and Django's admin alike.

Also here, for the catalogue: Django's own strings of a form label's suffix, which its Chinese
leaves half-width (``接收方:``). Marked so ``makemessages`` keeps them in our catalogue, where the
Chinese is full-width; the second is the list of endings after which Django adds no suffix.
"""

from django.utils.translation import gettext_noop

LABEL_SUFFIX = gettext_noop(":")
LABEL_ENDINGS = gettext_noop(":?.!")
