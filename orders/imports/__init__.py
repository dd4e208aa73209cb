"""Order import (issue 8): a seller's CSV/XLSX export → orders, created or updated, never duplicated.

- ``fields``: Reship's fields and the first guess of which column is which;
- ``parsing``: one cell → one value, or what is wrong with it (dates, quantities, money, phones);
- ``validation``: the rows of one order → an order draft, or each row's problems;
- ``writing``: drafts → database, one transaction and a few bulk queries per batch (the upsert);
- ``run``: a job's run: grouping the streamed rows into orders, batches, progress, refused rows;
- ``preview``: the first rows as the import will read them, problems beside their cells;
- ``jobs``: a job's life (upload, mapping and preset, start inline or in Celery) and the reads.
The file itself is read by ``reship.core.spreadsheets``, shared with the partners' tracking import.
"""
