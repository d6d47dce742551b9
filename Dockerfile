# syntax=docker/dockerfile:1
# apim-netwatch container image: docker build -t ghcr.io/apim-netwatch/apim-netwatch:0.1.0 .
# Runs as uid/gid 65532 (non-root) on a read-only root filesystem; the Helm chart mounts an emptyDir at /tmp.
ARG NODE_IMAGE=node:22-slim

# --- build: compile TypeScript to dist/ -------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (tsc) needs the sources, which are not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime -----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="apim-netwatch" \
      org.opencontainers.image.description="Prometheus exporter for the network health of Azure API Management instances in VNets" \
      org.opencontainers.image.source="https://github.com/apim-netwatch/apim-netwatch" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; no dependency needs an install script, and `prepare` would run tsc.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at runtime (dist/data/bundled-service-tags.js looks in ../../src/data): the bundled service tags.
COPY src/data ./src/data
COPY bin ./bin
# Owned by root, read-only for the service. HOME points at the writable /tmp.
ENV HOME=/tmp
USER 65532:65532
EXPOSE 9464
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
