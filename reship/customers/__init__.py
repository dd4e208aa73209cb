"""The customer's side (the person the whole flow is for): what a shop tells its customers, when and
where (``policy``: the shop's choice per message, the channels an order can reach, SMS quiet hours),
in which words (``messages``: the fixed placeholders, the default wording, the shop's own
templates, checked and filled), and under which name (``branding``: the shop's display name and
logo, the platform order number; never "Reship", never an RS number).

The outbox, the workflow, the shop settings and the public pages read these rules; only
``reship.services.shop_settings`` writes a shop's choices.
"""
