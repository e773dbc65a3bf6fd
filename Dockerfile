# One image for the API, the worker and the migrate job: the same package `make dev` installs.
FROM node:20-slim AS assets
WORKDIR /src
COPY dashboard dashboard
RUN mkdir -p api/dashboard/static && cd dashboard && npm ci --no-audit --no-fund && npm run vendor

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY models models
COPY workflows workflows
COPY activities activities
COPY api api
COPY --from=assets /src/api/dashboard/static/vendor api/dashboard/static/vendor
COPY petitionflow petitionflow
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 petitionflow \
 && install -d -o petitionflow -m 0700 /home/petitionflow /home/petitionflow/data \
      /home/petitionflow/data/attachments
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER petitionflow
WORKDIR /home/petitionflow
ENV PETITIONFLOW_ENV=prod \
    PETITIONFLOW_API_HOST=0.0.0.0 \
    PETITIONFLOW_DATA_DIR=/home/petitionflow/data
EXPOSE 8000
ENTRYPOINT ["petitionflow"]
CMD ["api"]
