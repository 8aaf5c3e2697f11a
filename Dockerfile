# One image for both Lifeboat processes and the CLI; docker-compose.yml picks the command:
#   api:    node dist/api/main.js   (default)
#   worker: node dist/worker/main.js
#   setup:  node bin/lifeboat.js setup
# Node 24 LTS on Debian (glibc), not Alpine: @temporalio/core-bridge ships prebuilt glibc binaries only.
# Pinned to a release so a rebuild gets the same Node; raise it (one ARG for both stages) for security fixes.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so editing source does not invalidate the dependency layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# servers/ (the embedded default of `npm start`) and bench/ are not used by the api, the worker or the CLI.
RUN npm run build && rm -rf dist/servers dist/bench

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only. smtp-server is a dependency for the embedded default's mail catcher,
# which the image does not contain; --no-save leaves the manifests as they are.
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm uninstall --no-save --omit=dev --no-audit --no-fund smtp-server \
  && npm cache clean --force
# Code and runbooks stay root-owned: the process runs as `node` and cannot rewrite them.
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY runbooks ./runbooks
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
