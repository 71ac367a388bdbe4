# dxbot: one image for `dxbot run` (Slack Socket Mode or HTTP) and the one-shot commands.
# Linted in CI by tests/integration/test_deploy_files.py (the BuildKit parser, plus the checks it names).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY storage ./storage
COPY jobs ./jobs
COPY curation ./curation
# The modules' regular expressions compiled once here rather than at every start (knowledge/patterns.py).
RUN python -m venv /opt/dxbot && /opt/dxbot/bin/pip install --no-cache-dir . && /opt/dxbot/bin/python -m knowledge.patterns

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/dxbot --create-home dxbot
COPY --from=build /opt/dxbot /opt/dxbot
ENV PATH=/opt/dxbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DXBOT_TZ=Asia/Tokyo
USER dxbot
WORKDIR /var/lib/dxbot
EXPOSE 3000
# Inside a container the HTTP server must listen on every interface; compose publishes it on 127.0.0.1
# only, for the reverse proxy. In Socket Mode (SLACK_APP_TOKEN set) no port is used.
CMD ["dxbot", "run", "--host", "0.0.0.0", "--port", "3000"]
