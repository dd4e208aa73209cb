# Reship's one image: web (gunicorn), worker and beat (Celery) all run from it — see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies in a layer of their own, rebuilt only when pyproject.toml or the pins change. Before
# the source is copied, installing "." brings the pinned dependencies and an empty "reship"
# distribution: the code runs from /app (PYTHONPATH), where BASE_DIR finds templates/, static/ and
# locale/ beside the packages.
COPY pyproject.toml README.md ./
COPY requirements/constraints.txt requirements/constraints.txt
RUN pip install -c requirements/constraints.txt .

COPY . .

# Collected with the production settings: their storage (WhiteNoise's manifest storage) serves only
# files listed in the staticfiles.json that this writes; collected with the base settings there is
# no manifest and every page using {% static %} fails. The variables on this line only satisfy the
# production profile's start-up checks: nothing is signed or connected to while collecting.
RUN SECRET_KEY=build-time-placeholder-for-collectstatic-never-used-at-run-time \
    DATABASE_URL=postgres://build@build.invalid:5432/build \
    ALLOWED_HOSTS=build.invalid \
    DJANGO_SETTINGS_MODULE=reship.config.settings.production \
    python manage.py collectstatic --noinput

# The code and collected files stay root-owned and read-only to the app; only uploads are writable.
RUN useradd --system --user-group --uid 10001 --no-create-home reship \
    && mkdir -p var/media \
    && chown reship:reship var/media
USER reship

EXPOSE 8000
CMD ["gunicorn", "reship.config.wsgi:application", "--bind", "0.0.0.0:8000"]
