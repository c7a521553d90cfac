# The hakube worker image used by docker-compose.yml.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install (not ci): see scripts/setup.sh on the lock and optional platform packages.
RUN npm install --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.json && node dist/workers/bundle.js && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
ENV NODE_ENV=production
CMD ["node", "dist/workers/main.js"]
