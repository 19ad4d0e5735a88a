FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH="/opt/venv/bin:$PATH"

RUN pip install --no-cache-dir uv==0.13.9 \
    && useradd --system --create-home --uid 1000 app

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# collectstatic needs settings, not secrets: throwaway values for this step only.
RUN DEBUG=false SECRET_KEY=collectstatic ALLOWED_HOSTS=localhost DATABASE_URL=postgres://x@localhost/x \
    EMAIL_URL=dummymail:// \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown app /app/media

USER app
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
