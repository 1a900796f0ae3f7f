# Build: compile the TypeScript with every dependency installed.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The lockfile names the workspace (packages/client, the typed client): npm needs its manifest.
COPY packages/client/package.json ./packages/client/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The service only; `npm run build` also builds the client package, which the image does not hold.
RUN npx tsc -p tsconfig.build.json

# Run: production dependencies and the compiled output only, as the unprivileged `node` user.
FROM node:24-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# V8's heap limit. Left at its default (a share of the machine's memory), V8 lets a busy process's
# heap grow by 100 MB or more before collecting; with this limit the API and a worker peak around
# 150 MB under full load (bench/README.md). A process whose live data passes it stops with an
# out-of-memory error: raise it for players with thousands of records each.
ENV NODE_OPTIONS=--max-old-space-size=192
COPY package.json package-lock.json ./
COPY packages/client/package.json ./packages/client/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# Ready: PostgreSQL and Redis answer and the process is not shutting down. A worker started alone
# serves its probes on WORKER_PORT instead (docker-compose.yml checks that port).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini is PID 1: it passes SIGTERM on to node (never to npm, which would not pass it on) and reaps
# children; node drains what it holds and exits 0. The roles: dist/api/main.js, dist/workers/main.js.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
