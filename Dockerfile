# One image for both Lifeboat processes; docker-compose.yml picks the command:
#   api:    node dist/api/main.js   (default)
#   worker: node dist/worker/main.js
# Debian (glibc), not Alpine: @temporalio/core-bridge ships prebuilt glibc binaries only.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first, so editing source does not invalidate the dependency layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Code and runbooks stay root-owned: the process runs as `node` and cannot rewrite them.
COPY --from=build /app/dist ./dist
COPY runbooks ./runbooks
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
