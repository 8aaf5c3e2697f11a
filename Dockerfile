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
# The build bundles the workflow code once (dist/worker/workflow-bundle.js), which the worker loads instead of
# bundling at every start. servers/ (the embedded default of `npm start`) and bench/ are not used by the api, the
# worker or the CLI.
RUN npm run build && rm -rf dist/servers dist/bench

FROM ${NODE_IMAGE} AS runtime
# The commit the image is built from, shown by the lifeboat_build_info metric: docker build --build-arg LIFEBOAT_COMMIT=$(git rev-parse HEAD)
ARG LIFEBOAT_COMMIT=unknown
ENV NODE_ENV=production LIFEBOAT_COMMIT=${LIFEBOAT_COMMIT}
# Memory (docs/deployment.md, "Memory"): V8 sizes each heap's limit from the machine's RAM, not the container's share,
# and with a limit of gigabytes lets a heap grow to four times what it holds before collecting; 512 MB per heap lets
# it grow by about 1.4 times. Its young generation grows to 32 MB per heap on Node 20 and to 128 MB on Node 24, and
# stays resident; 4 MB semi-spaces bound it to 8 MB (the worker has two heaps: its own and its workflow thread's).
# glibc gives each thread (the Temporal core's among them) a malloc arena of its own, which fragment; two are enough.
# All hold for the api and the worker; override any in the environment. bench/drills.ts runs with this line.
ENV NODE_OPTIONS="--max-old-space-size=512 --max-semi-space-size=4" MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
COPY tools/prune-native.js /tmp/prune-native.js
# Runtime dependencies only (the embedded default's mail catcher, smtp-server, is a devDependency), and of Temporal's
# native core-bridge only the binary for this image's platform: the package ships five and their Rust sources.
RUN npm ci --omit=dev --no-audit --no-fund \
  && node /tmp/prune-native.js node_modules && rm /tmp/prune-native.js \
  && npm cache clean --force
# Code and runbooks stay root-owned: the process runs as `node` and cannot rewrite them.
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY runbooks ./runbooks
USER node
# 3000: the API. The worker serves its metrics and probes where LIFEBOAT_WORKER_METRICS_ADDRESS says (e.g. 0.0.0.0:9464)
# and the Temporal SDK's metrics where LIFEBOAT_TEMPORAL_METRICS_ADDRESS says (e.g. 0.0.0.0:9465).
EXPOSE 3000 9464 9465
CMD ["node", "dist/api/main.js"]
