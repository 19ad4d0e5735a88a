# The production image: the app installed as a wheel with its locked runtime
# dependencies only (no test tools, no embedded PostgreSQL), the PostgreSQL 17
# client for backup_db / restore_db (docker-compose.yml runs postgres:17; the
# client must be the server's major version), run as a non-root user.
#
# Debian 13 (trixie) ships PostgreSQL 17: keep POSTGRES_MAJOR, the base image's
# Debian release and docker-compose.yml's `image: postgres:17` in step
# (tests/deploy/test_compose.py checks that they agree).
ARG PYTHON_IMAGE=python:3.11-slim-trixie
ARG POSTGRES_MAJOR=17

# --- build: resolve the locked dependencies and build the wheel ---------------
FROM ${PYTHON_IMAGE} AS build
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
# Runtime dependencies only (`--no-dev`: no pytest, no pgserver, no playwright).
RUN uv sync --frozen --no-dev --no-install-project
COPY config config
COPY core core
COPY members members
COPY articles articles
COPY campaign campaign
COPY ballots ballots
COPY templates templates
COPY static static
RUN uv build --wheel --out-dir /dist \
    && uv pip install --python /opt/venv/bin/python --no-deps /dist/*.whl
# Static files are built once into the image (whitenoise serves them, hashed and
# compressed). collectstatic needs settings, not secrets: throwaway values here.
RUN cd /tmp && DJANGO_SETTINGS_MODULE=config.settings DEBUG=false SECRET_KEY=collectstatic \
    ALLOWED_HOSTS=localhost DATABASE_URL=postgres://x@localhost/x EMAIL_URL=dummymail:// \
    /opt/venv/bin/django-admin collectstatic --noinput --verbosity 0

# --- runtime --------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG POSTGRES_MAJOR
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-${POSTGRES_MAJOR} \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --uid 1000 app \
    && mkdir -p /app /data/media /data/backups \
    && chown app:app /data/media /data/backups \
    && chmod 700 /data/backups
COPY --from=build /opt/venv /opt/venv
COPY manage.py gunicorn.conf.py /app/
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    MEDIA_ROOT=/data/media \
    BACKUP_DIR=/data/backups \
    PG_BIN_DIR=/usr/lib/postgresql/${POSTGRES_MAJOR}/bin \
    LOG_FORMAT=json
WORKDIR /app
USER app
EXPOSE 8000
# The app answers /healthz itself (200 with the database reachable, 503 without).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
