"""Settlement (对账结算): what the seller owes the partner, or the partner the seller (and a source the
partner), per period, as statements both sides check line by line, confirm and settle.

- ``periods``     the periods (monthly, twice a month, weekly) and their cut-off
- ``amounts``     the money rules: a closed request's cost items, who bears which share, what moves
- ``statements``  the writer's front: every step a caller may take (the only writer of statements is
                  this package: ``base`` the skeleton, ``drawing`` draft/refresh/issue/carry and the beat
                  job, ``checking`` confirm/dispute/adjust, ``payments``)
- ``tasks``       the beat job that issues each pair's statement when its period ends

The lifecycle's moves are data in ``reship.lifecycle`` (``STATEMENT_TRANSITIONS``), who may act in
``reship.permissions`` (``statement_side``), reads in ``reship.selectors.statements``, the figures
in ``reship.evaluation.settlement``.
"""
