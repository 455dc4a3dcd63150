#!/usr/bin/env node
// Runs the precompiled build when it is current (see entry.mjs), else the TypeScript CLI through tsx's loader,
// so the installed `mailcase` command works with or without a build step.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pickEntry } from "./entry.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (pickEntry(root) === "build") {
  await import("../build/cli/main.mjs");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
