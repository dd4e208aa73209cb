"""Reship's benchmark harness (issue 7): ``bench.load`` builds a PostgreSQL database at a chosen
scale, ``bench.run`` serves it with gunicorn, a Celery worker and Redis and drives it with wrk.
``make bench`` (full scale) and ``make bench-small`` run both; README "Benchmark" says what is measured.
"""
