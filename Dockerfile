# Gradscape: the same install and serve commands as the README (`make run`).
FROM python:3.11-slim

# WEB_CONCURRENCY is the number of worker processes (app/serve.py) (`docker run -e WEB_CONCURRENCY=4 ...`).
# NUMBA_CACHE_DIR: where the compiled kernels live (`make install` fills it), in the user's home.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    NUMBA_CACHE_DIR=/home/gradscape/.cache/numba \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 PORT=8000 WEB_CONCURRENCY=2

# tini is PID 1: it passes `docker stop`'s SIGTERM on and reaps orphans. make as PID 1 does
# neither reliably: with 2 workers it passed SIGTERM on, then spun at full CPU instead of exiting
# (seen under `unshare --pid`, which makes it PID 1 as Docker does).
RUN apt-get update && apt-get install -y --no-install-recommends make tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 gradscape

WORKDIR /srv/gradscape
COPY --chown=gradscape:gradscape . .
USER gradscape
# Installs into .venv exactly as `make run` does on a laptop.
RUN make install

EXPOSE 8000
# No curl in a slim image: the check is plain Python; urlopen raises (exit 1) unless 2xx.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"
# app/serve.py stops its workers on SIGTERM; each finishes the requests in flight.
ENTRYPOINT ["tini", "--"]
CMD ["make", "run"]
