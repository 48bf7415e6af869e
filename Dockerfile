# The standalone server (`npm run serve`: node dist/server/main.js) as an image, built from this
# repository. Used by docker-compose.yml, an example of several instances; no test needs it.
#
#   docker build -t visitor-offers .
#   docker run -e DATAFAST_API_KEY=df_… -p 3000:3000 -v visitor-offers-data:/app/data visitor-offers

FROM node:20-slim AS build
# better-sqlite3 downloads a prebuilt binary for Node 20; these build it from source where none fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# `npm ci` builds too (the package's `prepare`); the explicit build keeps this step's meaning plain.
RUN npm ci && npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/app/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# SQLite's home when DATABASE_URL is not set: a volume in production (it holds the leads).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Readiness (503 while the store takes no writes): node itself, the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/main.js"]
