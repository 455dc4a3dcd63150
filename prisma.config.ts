import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "prisma/config";

// Prisma cannot download its native schema engine here (no network but the npm registry): point the CLI
// at the project's offline bridge to the WebAssembly engine. An explicit variable still wins.
const here = path.dirname(fileURLToPath(import.meta.url));
process.env.PRISMA_SCHEMA_ENGINE_BINARY ||= path.join(here, "tools", "schema-engine-wasm.mjs");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    // process.env, not env(): env() throws when unset, which would break `prisma generate` in postinstall.
    url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mailcase",
    // Optional; unset, the bridge creates and drops a temporary shadow database per `migrate dev`.
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
