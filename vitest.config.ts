import { defineConfig } from "vitest/config";

// Four tiers. unit: pure decisions, no services, parallel. corpus: real third-party mail from
// ../shared/corpus (skipped when absent). integration: real PostgreSQL, Redis, Dovecot and Postfix,
// files run one at a time because they share the mail lab. e2e: the portal in a real browser (Debian's
// chromium-headless-shell driven by playwright-core), on its own database, run after the other tiers.
//
// Every tier runs in lab mode: the public default MAILCASE_SECRET is allowed (child processes inherit it).
const env = { MAILCASE_LAB_MODE: "1" };

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      // Property tests run hundreds of cases: a loaded machine must not turn them into timeouts.
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 30_000, env, sequence: { groupOrder: 0 } } },
      { test: { name: "corpus", include: ["test/corpus/**/*.test.ts"], testTimeout: 120_000, env, sequence: { groupOrder: 0 } } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          env,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/e2e-setup.ts"],
          fileParallelism: false,
          // After the other tiers: the chaos test restarts the shared Redis, which would drop the browser
          // tests' queued mail (a sign-in link then arrives only when the sweeper re-sends it).
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The harness reads TEST_DATABASE_URL: point it at the e2e database inside the e2e workers.
          env: { ...env, TEST_DATABASE_URL: process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mailcase_e2e" },
        },
      },
    ],
  },
});
