# syntax=docker/dockerfile:1
# ayilbot in a container: the bot (`run`, the default) and its replication (`replicate`) from
# one image. compose.yaml runs both; README.md, "Running it for months", walks through it.
#   docker build -t ayilbot .
#   docker run -d --env-file .env -v ayilbot-data:/data ayilbot

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY . .
# Wheels for ayilbot (its build hook compiles the catalogs) and every dependency, with the
# Litestream binary of the [replication] extra.
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[replication]"

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AYILBOT_DB=/data/ayilbot.db \
    AYILBOT_BACKUP_DIR=/data/backups
RUN groupadd --system --gid 10001 ayilbot \
    && useradd --system --uid 10001 --gid ayilbot --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin ayilbot \
    && mkdir /data \
    && chown ayilbot:ayilbot /data \
    && chmod 0700 /data
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels "ayilbot[replication]"
USER ayilbot
WORKDIR /data
# The database, its WAL, the daily backups and the media folder.
VOLUME ["/data"]
# The dashboard beside polling (AYILBOT_WEB_PORT); in webhook mode (`run --webhook URL
# --port 8443`) the updates and the dashboard share 8443. Publish one to the reverse proxy.
EXPOSE 8080 8443
# Healthy once the first getUpdates succeeded; at start Telegram may be retried for up to
# AYILBOT_STARTUP_RETRY_SECONDS (300 s), hence the start period.
HEALTHCHECK --interval=60s --timeout=15s --start-period=6m --retries=3 CMD ["ayilbot", "health"]
ENTRYPOINT ["ayilbot"]
CMD ["run"]
