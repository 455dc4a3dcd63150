#!/usr/bin/env node
// Offline bridge from the stock Prisma CLI to Prisma's WebAssembly schema engine (PostgreSQL).
//
// Why: Prisma 7's CLI always spawns the native `schema-engine` binary and downloads it on first use; this
// machine cannot reach binaries.prisma.sh. The CLI lets PRISMA_SCHEMA_ENGINE_BINARY name any executable,
// so this script stands in for the binary: it speaks the same line-delimited JSON-RPC on stdio and runs
// `@prisma/schema-engine-wasm` through the `@prisma/adapter-pg` driver adapter. prisma.config.ts sets the
// variable, so `prisma migrate dev|deploy|status|reset|diff`, `db push|execute` and `generate` just work.
//
// Protocol facts (read off prisma 7.10's CLI):
//   argv: --datamodels <file> (repeated) --datasource '{"url","shadowDatabaseUrl"}' [--enabled-preview-features X]
//         [--extension-types X] [cli <command>] | --version
//   server mode: one JSON-RPC request per line on stdin, one response per line on stdout, in order.
//   `diff` prints its script by sending the CLI a `print` request and waiting for the answer.
//   errors: {code, message, data: {is_panic, message, error_code?, meta?}}.
//
// Pinned with prisma 7.10.1, @prisma/schema-engine-wasm 7.10.0-4.0edf323…, @prisma/adapter-pg 7.10.1,
// @prisma/driver-adapter-utils 7.10.1. Re-run tools/bridge-regress.sh on any upgrade of these.
// Debug: SCHEMA_ENGINE_BRIDGE_DEBUG=1 logs every request/response to stderr.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const DEBUG = process.env.SCHEMA_ENGINE_BRIDGE_DEBUG === "1";
const debug = (...args) => DEBUG && process.stderr.write(`[bridge] ${args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")}\n`);

// ---------------------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const out = { datamodels: [], datasource: null, cli: null, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--datamodels") out.datamodels.push(argv[++i]);
    else if (a === "--datasource") out.datasource = JSON.parse(argv[++i]);
    else if (a === "--enabled-preview-features" || a === "--extension-types") i++;
    else if (a === "--version" || a === "-V") out.version = true;
    else if (a === "cli") out.cli = argv[++i];
  }
  return out;
}

// The package exports no ./package.json: locate it through an exported entry.
const wasmPkgDir = path.dirname(fileURLToPath(import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg")));
const wasmVersion = JSON.parse(readFileSync(path.join(wasmPkgDir, "package.json"), "utf8")).version;
// The engine hash is the part after the last '.' of the package version (e.g. 7.10.0-4.<hash>).
const engineHash = wasmVersion.slice(wasmVersion.lastIndexOf(".") + 1);

// ---------------------------------------------------------------------------------------------------------
// Bug 1 (wasm engine + adapter-pg 7.10.1): the engine's PostgreSQL describer reads catalog columns of types
// the adapter does not support ("char", int2vector, oidvector, regclass, …) and fails with
// "Column type '…' could not be deserialized". Inside this process only, report those columns as text
// (or text[]) before pg picks the value parsers, so the engine receives their text form.
// ---------------------------------------------------------------------------------------------------------
const pg = require("pg");
const AS_TEXT = new Set([18 /* "char" */, 19 /* name */, 22 /* int2vector */, 24 /* regproc */, 27 /* tid */, 28 /* xid */, 29 /* cid */, 30 /* oidvector */, 194 /* pg_node_tree */, 1033 /* aclitem */, 2205 /* regclass */, 2206 /* regtype */, 3734 /* regconfig */, 4089 /* regnamespace */]);
const AS_TEXT_ARRAY = new Set([1002 /* "char"[] */, 1034 /* aclitem[] */, 1003 /* name[] */]);
const Query = require("pg/lib/query.js");
const originalHandleRowDescription = Query.prototype.handleRowDescription;
Query.prototype.handleRowDescription = function (msg) {
  for (const field of msg.fields) {
    if (AS_TEXT.has(field.dataTypeID)) field.dataTypeID = 25;
    else if (AS_TEXT_ARRAY.has(field.dataTypeID)) field.dataTypeID = 1009;
  }
  return originalHandleRowDescription.call(this, msg);
};

// ---------------------------------------------------------------------------------------------------------
// Connections
// ---------------------------------------------------------------------------------------------------------
/** Discrete pg connection fields from a URL (pg lets a connectionString override `database`). */
function poolConfig(url, database) {
  const u = new URL(url);
  return {
    host: decodeURIComponent(u.hostname) || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || "postgres",
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: database ?? (decodeURIComponent(u.pathname.slice(1)) || "postgres"),
    ...(u.searchParams.get("sslmode") && u.searchParams.get("sslmode") !== "disable" ? { ssl: { rejectUnauthorized: false } } : {}),
  };
}

const quoteIdent = (name) => `"${name.replace(/"/g, '""')}"`;

async function withAdminClient(url, fn) {
  const client = new pg.Client(poolConfig(url, "postgres"));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------------
// `cli <command>` mode: used by `migrate dev|deploy` to probe and create a missing database.
// ---------------------------------------------------------------------------------------------------------
function cliFail(code, message) {
  // The CLI drops the first stderr line and reads the JSON log line that follows.
  process.stderr.write("schema-engine-wasm bridge error\n");
  process.stderr.write(`${JSON.stringify({ level: "ERROR", target: "schema_engine::logger", fields: { error_code: code, message } })}\n`);
  process.exit(1);
}

async function runCli(command, datasource) {
  const url = datasource?.url;
  if (!url) cliFail("P1012", "no datasource url given");
  const dbName = decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres";
  try {
    switch (command) {
      case "can-connect-to-database": {
        const client = new pg.Client(poolConfig(url));
        await client.connect();
        await client.end();
        break;
      }
      case "create-database":
        await withAdminClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(dbName)}`));
        process.stdout.write(`${JSON.stringify(dbName)}\n`);
        break;
      case "drop-database":
        await withAdminClient(url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`));
        break;
      default:
        cliFail("P1000", `unknown cli command ${command}`);
    }
    process.exit(0);
  } catch (err) {
    if (err.code === "3D000") cliFail("P1003", `Database \`${dbName}\` does not exist on the database server`);
    if (err.code === "42P04") cliFail("P1009", `Database \`${dbName}\` already exists on the database server`);
    if (err.code === "ECONNREFUSED") cliFail("P1001", `Can't reach database server at \`${new URL(url).host}\``);
    if (err.code === "28P01" || err.code === "28000") cliFail("P1000", `Authentication failed against database server: ${err.message}`);
    cliFail("P1000", err.message);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The wasm engine
// ---------------------------------------------------------------------------------------------------------
async function loadEngineClass() {
  // schema_engine.js imports the .wasm as an ES module, which Node 20 cannot: instantiate it by hand.
  const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
  const bytes = readFileSync(path.join(wasmPkgDir, "schema_engine_bg.wasm"));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { "./schema_engine_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return glue.SchemaEngine;
}

function adapterFactory(datasource) {
  const { PrismaPg } = require("@prisma/adapter-pg");
  const main = new PrismaPg(poolConfig(datasource.url));
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: () => main.connect(),
    // Bug 2 (adapter-pg 7.10.1 connectToShadowDb): with a connectionString the "shadow" pool silently
    // connects to the MAIN database, and its dispose() drops the shadow database while its own pool is
    // still connected ("being accessed by other users"), leaking it. Ours: a temp database per use (or the
    // configured shadowDatabaseUrl, wiped), discrete connection fields, pool closed before DROP … WITH (FORCE).
    async connectToShadowDb() {
      if (datasource.shadowDatabaseUrl) {
        const shadow = new PrismaPg(poolConfig(datasource.shadowDatabaseUrl));
        const conn = await shadow.connect();
        await conn.executeScript("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;");
        return conn;
      }
      const database = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
      await withAdminClient(datasource.url, (c) => c.query(`CREATE DATABASE ${quoteIdent(database)}`));
      const conn = await new PrismaPg(poolConfig(datasource.url, database)).connect();
      const dispose = conn.dispose.bind(conn);
      conn.dispose = async () => {
        await dispose();
        await withAdminClient(datasource.url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`));
      };
      return conn;
    },
  };
}

function rpcError(err) {
  const message = err?.message ?? String(err);
  const code = typeof err?.code === "string" && /^P\d{4}$/.test(err.code) ? err.code : undefined;
  const isPanic = /panicked|RuntimeError: unreachable/.test(message);
  return {
    code: 4466,
    message: "An error happened. Check the data field for details.",
    data: { is_panic: isPanic, message, ...(code ? { error_code: code } : {}), ...(err?.meta ? { meta: err.meta } : {}), ...(isPanic ? { error: { message } } : {}) },
  };
}

async function serve(args) {
  const datamodels = args.datamodels.map((file) => [file, readFileSync(file, "utf8")]);
  const SchemaEngine = await loadEngineClass();
  const { bindMigrationAwareSqlAdapterFactory } = require("@prisma/driver-adapter-utils");
  let engine = null;
  // Created lazily (creation connects) and kept for the whole process: the engine caches the schema it
  // built from the migrations between calls, which later commands rely on (see bug 3).
  const getEngine = async () =>
    (engine ??= await SchemaEngine.new(
      { datamodels: datamodels.length ? datamodels : undefined },
      (log) => debug("engine:", log),
      bindMigrationAwareSqlAdapterFactory(adapterFactory(args.datasource ?? {})),
    ));

  const out = process.stdout;
  const send = (obj) => {
    debug("->", obj);
    out.write(`${JSON.stringify(obj)}\n`);
  };
  // Requests the bridge itself sends to the CLI (only `print`), waiting for their answers.
  const pendingToCli = new Map();
  let printSeq = 0;
  const printToCli = (content) =>
    new Promise((resolve) => {
      const id = `print-${++printSeq}`;
      pendingToCli.set(id, resolve);
      send({ jsonrpc: "2.0", id, method: "print", params: { content } });
    });

  async function call(method, params) {
    const e = await getEngine();
    switch (method) {
      case "getDatabaseVersion":
        return e.version(params ?? undefined);
      case "diff": {
        const result = await e.diff(params);
        if (result.stdout) await printToCli(result.stdout);
        return { exitCode: result.exitCode, stdout: null };
      }
      case "evaluateDataLoss":
        try {
          return await e.evaluateDataLoss(params);
        } catch (err) {
          // Bug 3 (wasm engine): only devDiagnostic/diagnoseMigrationHistory receive the shadow database
          // factory; evaluateDataLoss relies on their cache and fails on a fresh database with "shadow DB must
          // be provided through an external factory". Warm the cache, then retry once.
          if (!/shadow DB must be provided/i.test(err?.message ?? "")) throw err;
          await e.diagnoseMigrationHistory({ migrationsList: params.migrationsList, optInToShadowDatabase: true });
          return e.evaluateDataLoss(params);
        }
      default:
        if (typeof e[method] !== "function") throw Object.assign(new Error(`method ${method} is not supported by the wasm bridge`), { code: "P1000" });
        return e[method](params ?? {});
    }
  }

  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let queue = Promise.resolve();
  rl.on("line", (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    debug("<-", msg);
    if (msg.method === undefined && pendingToCli.has(msg.id)) {
      pendingToCli.get(msg.id)(msg.result);
      pendingToCli.delete(msg.id);
      return;
    }
    // Requests are handled one at a time, in order, as the native engine does.
    queue = queue.then(async () => {
      try {
        const result = await call(msg.method, msg.params);
        send({ jsonrpc: "2.0", id: msg.id, result: result === undefined ? null : result });
      } catch (err) {
        debug("error", err?.stack ?? String(err));
        send({ jsonrpc: "2.0", id: msg.id, error: rpcError(err) });
      }
    });
  });
  rl.on("close", () => {
    void queue.then(() => process.exit(0));
  });
}

const args = parseArgs(process.argv.slice(2));
if (args.version) {
  process.stdout.write(`schema-engine-cli ${engineHash} (wasm bridge ${wasmVersion})\n`);
  process.exit(0);
}
if (args.cli) await runCli(args.cli, args.datasource);
else await serve(args);
