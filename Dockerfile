FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
RUN STATIC_ROOT=/app/staticfiles python manage.py collectstatic --no-input -v 0 \
    && useradd --system --home /app smarketing && mkdir -p /app/var && chown smarketing /app/var
ENV STATIC_ROOT=/app/staticfiles VAR_DIR=/app/var
USER smarketing

EXPOSE 8000
CMD ["gunicorn", "smarketing.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
