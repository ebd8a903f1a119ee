# syntax=docker/dockerfile:1
# CLOS in one image: the API server, the worker (`--worker-only`) and the `clos` command.
#
#   docker build -t clos .
#   docker run -p 4000:4000 -v clos-data:/data clos                    # embedded database in /data
#   docker run -e DATABASE_URL=postgres://… clos --no-worker             # API process on PostgreSQL
#   docker run -e DATABASE_URL=postgres://… clos --worker-only           # worker process
#
# The runtime stage holds exactly what scripts/stage-production.ts lays out (the compiled server and
# CLI, the dashboard, the migrations, the built-in policy, `npm ci --omit=dev`), which the test
# apps/server/test/production-install.test.ts starts and exercises without a container runtime.

# The current Node.js LTS, pinned to a release: bump it deliberately (and pin by digest in a registry
# you control: docker buildx imagetools inspect node:24.21.0-bookworm-slim).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY packages ./packages
COPY apps ./apps
COPY deploy/aws/package.json ./deploy/aws/package.json
COPY scripts ./scripts
COPY tsconfig.json clos.config.example.yaml ./
RUN npm ci --no-audit --no-fund
RUN npm run build && npx tsx scripts/stage-production.ts /app

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    CLOS_HOST=0.0.0.0 \
    CLOS_PORT=4000 \
    CLOS_DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only to the process: only /data (the embedded database) is writable.
COPY --from=build /app /app
RUN ln -s /app/apps/cli/bin/clos.js /usr/local/bin/clos \
 && mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
# /readyz answers 200 once the database is reachable and migrations are applied, 503 while stopping.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CLOS_PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM stops gracefully (requests finish, streams are sent elsewhere, jobs finish or are handed
# back) within CLOS_SHUTDOWN_TIMEOUT_SECONDS (25): give `docker stop` / the orchestrator 30 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--enable-source-maps", "apps/server/dist/main.js"]
