# The tagwire action server on the official Node image.
#   docker build -t tagwire .
#   docker run --rm -p 8080:8080 -e ACTION_HUB_SECRET=... -e ACTION_HUB_BASE_URL=https://tagwire.example.com tagwire
# Configuration is by environment variable only; see docs/looker-setup.md. Sync state and run history
# live in the /var/lib/tagwire volume (or TAGWIRE_DATABASE_URL=postgres://...; see docs/store.md).
FROM node:20-slim

ENV TURBO_TELEMETRY_DISABLED=1 \
    TURBO_NO_UPDATE_NOTIFIER=1 \
    NO_UPDATE_NOTIFIER=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first: a source change does not reinstall them.
COPY package.json package-lock.json ./
COPY packages/engine/package.json packages/engine/
COPY packages/emulators/package.json packages/emulators/
COPY packages/action-server/package.json packages/action-server/
COPY packages/cli/package.json packages/cli/
COPY packages/store/package.json packages/store/
# `npm install`, not `npm ci`: the lock file lacks turbo's other-platform binaries, which `npm ci` treats as out of sync.
# better-sqlite3's own install step then fetches (or builds) its native module for the image's Node.
RUN npm install --ignore-scripts && npm rebuild better-sqlite3

# Sources, schemas, connector manifests and docs (the engine build checks its generated files against them).
COPY . .
# npm links a package's bin only once its target exists: relink after the build so `npx tagwire ...` works in the image.
RUN npm run build && npm rebuild --ignore-scripts

# The embedded state store (docs/store.md): mount a volume here that outlives the container.
RUN mkdir -p /var/lib/tagwire && chown node:node /var/lib/tagwire
VOLUME /var/lib/tagwire

USER node
# A bounded heap: V8 otherwise lets garbage grow toward a limit sized for the whole host; with these
# the server's resident memory stays near its live set (see docs/performance.md). Inline Looks up to
# TAGWIRE_MAX_BODY_BYTES (64 MiB) still fit. Two malloc arenas: glibc otherwise gives each thread that
# allocates (libuv's pool compressing the spool, the row worker) arenas of its own, which keep what
# they freed; measured, a 1M-row Look through the spool peaked 10 MB lower (docs/performance.md, "The spool").
ENV HOST=0.0.0.0 \
    PORT=8080 \
    TAGWIRE_STATE_DIR=/var/lib/tagwire \
    MALLOC_ARENA_MAX=2 \
    NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=384"
EXPOSE 8080
# `tagwire serve`, started by node itself rather than through npx: npx runs the command under `sh -c`, which does
# not pass SIGTERM on, so `docker stop` would kill executes in flight instead of letting them finish.
CMD ["node", "packages/cli/dist/bin.js", "serve"]
