#!/usr/bin/env bash
# Regression check of the offline Prisma bridge (tools/schema-engine-wasm.mjs) through the stock CLI, on a
# scratch schema and scratch databases (mailcase_bridge_*), leaving the project's prisma/ folder alone.
# Run after any upgrade of prisma, @prisma/schema-engine-wasm, @prisma/adapter-pg, @prisma/driver-adapter-utils.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
PGURL="postgresql://postgres@127.0.0.1:5432"
DB1="mailcase_bridge_dev"; DB2="mailcase_bridge_deploy"
cleanup() {
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB1 WITH (FORCE)" -c "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
expect() { # pattern, command...
  local pattern="$1"; shift
  local out; out="$("$@" 2>&1)" || { echo "$out"; echo "FAILED: $*"; exit 1; }
  grep -qE "$pattern" <<<"$out" || { echo "$out"; echo "FAILED: expected /$pattern/ from: $*"; exit 1; }
  echo "ok: $*"
}

mkdir -p "$WORK/prisma"
ln -s "$ROOT/node_modules" "$WORK/node_modules"
cat >"$WORK/prisma.config.ts" <<CONF
import { defineConfig } from "prisma/config";
process.env.PRISMA_SCHEMA_ENGINE_BINARY = "$ROOT/tools/schema-engine-wasm.mjs";
export default defineConfig({ schema: "prisma/schema.prisma", migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "$PGURL/$DB1" } });
CONF
cat >"$WORK/prisma/schema.prisma" <<'SCHEMA'
generator client {
  provider = "prisma-client"
  output   = "../generated"
}
datasource db {
  provider = "postgresql"
}
enum TicketStatus {
  OPEN
  CLOSED
}
model Customer {
  id      Int      @id @default(autoincrement())
  email   String   @unique
  tickets Ticket[]
}
model Ticket {
  id         Int          @id @default(autoincrement())
  status     TicketStatus @default(OPEN)
  meta       Json?
  customerId Int
  customer   Customer     @relation(fields: [customerId], references: [id])
  @@index([status])
}
SCHEMA
cd "$WORK"
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB1 WITH (FORCE)" -c "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" >/dev/null

step "version";                 expect "wasm bridge" npx prisma -v
step "migrate dev (creates DB)"; expect "created|in sync" npx prisma migrate dev --name init
step "migrate dev again";       expect "Already in sync" npx prisma migrate dev
step "migrate diff";            expect "empty migration" npx prisma migrate diff --from-migrations prisma/migrations --to-schema prisma/schema.prisma --script
step "add a column";            sed -i 's/  meta       Json?/  meta       Json?\n  subject    String?/' prisma/schema.prisma
expect "ALTER TABLE" npx prisma migrate diff --from-migrations prisma/migrations --to-schema prisma/schema.prisma --script
expect "applied|in sync" npx prisma migrate dev --name add_subject
step "deploy to a fresh DB";    expect "successfully applied" env DATABASE_URL="$PGURL/$DB2" npx prisma migrate deploy
step "status";                  expect "up to date" env DATABASE_URL="$PGURL/$DB2" npx prisma migrate status
step "drift";                   psql "$PGURL/$DB2" -qc 'ALTER TABLE "Customer" ADD COLUMN hack int' >/dev/null
expect "hack" env DATABASE_URL="$PGURL/$DB2" npx prisma migrate diff --from-migrations prisma/migrations --to-config-datasource --script
step "reset";                   expect "reset|applied" env DATABASE_URL="$PGURL/$DB2" npx prisma migrate reset --force
step "generate";                expect "Generated Prisma Client" npx prisma generate
step "no leaked shadow databases"
leaked="$(psql "$PGURL/postgres" -Atc "SELECT count(*) FROM pg_database WHERE datname LIKE 'prisma_shadow_%' OR datname LIKE 'prisma_migrate_shadow_db_%'")"
[ "$leaked" = 0 ] || { echo "FAILED: $leaked shadow databases leaked"; exit 1; }
echo "ok: none"
echo; echo "bridge-regress: all passed"
