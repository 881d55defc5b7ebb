# syntax=docker/dockerfile:1
# keel in a container: Node 24 runs the TypeScript sources directly (type stripping), so the image
# ships src/ as is; the builder compiles the contracts (artifacts/, needed by the embedded devnet)
# offline from the solc npm package, then prunes dev dependencies.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS builder
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN mkdir -p models config \
 && npx hardhat build --quiet \
 && npm prune --omit=dev --no-audit --no-fund \
 && node src/main.ts --version

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    KEEL__STATE__DIR=/var/lib/keel \
    KEEL__HTTP__HOST=0.0.0.0 \
    KEEL__HTTP__PORT=9464 \
    KEEL__LOG__FORMAT=json \
    KEEL_REQUIRE_CONFIG=1 \
    HOME=/var/lib/keel
RUN groupadd --system keel \
 && useradd --system --gid keel --home-dir /var/lib/keel --no-create-home --shell /usr/sbin/nologin keel \
 && mkdir -p /var/lib/keel /etc/keel \
 && chown keel:keel /var/lib/keel \
 && chmod 0750 /var/lib/keel
WORKDIR /opt/keel
# Code is owned by root and read-only for the service user; only the state volume is writable.
COPY --from=builder /build/package.json /build/package-lock.json ./
COPY --from=builder /build/node_modules ./node_modules
COPY --from=builder /build/bin ./bin
COPY --from=builder /build/src ./src
COPY --from=builder /build/artifacts ./artifacts
COPY --from=builder /build/models ./models
COPY --from=builder /build/config ./config
USER keel
VOLUME ["/var/lib/keel"]
EXPOSE 9464
# Liveness from /healthz on the daemon's own HTTP server (no curl in the slim image: use node).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.KEEL__HTTP__PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts the graceful shutdown; give it `docker stop -t 60` (compose: stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/keel/src/main.ts"]
# A config is required (KEEL_REQUIRE_CONFIG=1): without /etc/keel/keel.yaml mounted the container exits 1.
# The embedded devnet demo needs `-e KEEL_REQUIRE_CONFIG=0` and the command `run`.
CMD ["run", "--config", "/etc/keel/keel.yaml"]
