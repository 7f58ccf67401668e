# Slim runtime image: installs the package, runs as a non-root user, migrates then serves.
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/aftercare
COPY pyproject.toml README.md requirements.lock ./
COPY app ./app
# The locked versions (the same lock `make` and CI install from), then the project itself.
RUN pip install -r requirements.lock && pip install --no-deps . && useradd --system --uid 10001 --home /srv/aftercare aftercare
COPY alembic.ini ./
COPY migrations ./migrations
RUN mkdir -p var && chown aftercare var

USER aftercare
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
# Probes the port the server was started on (PORT may be changed with `docker run -e PORT=…`).
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import os,sys,urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PORT']).status != 200)"
CMD ["sh", "-c", "aftercare migrate && exec aftercare serve --host \"$HOST\" --port \"$PORT\""]
