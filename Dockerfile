# The Ductwork API and worker (one image; docker-compose.temporal.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . /app
RUN pip install ./client '.[all]' \
    && useradd --create-home --uid 10001 ductwork \
    && mkdir -p /var/lib/ductwork \
    && chown ductwork /var/lib/ductwork

USER ductwork
ENV DUCTWORK_DATA_DIR=/var/lib/ductwork
EXPOSE 8000
# api.serve: uvicorn without proxy headers (the app trusts them from
# DUCTWORK_AUTH__TRUSTED_PROXIES only) and with every log line JSON.
CMD ["python", "-m", "api.serve", "--host", "0.0.0.0", "--port", "8000"]
