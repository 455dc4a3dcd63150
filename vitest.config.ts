import { defineConfig } from "vitest/config";

// Three tiers. unit: pure decisions, no services, parallel. corpus: real third-party mail from
// ../shared/corpus (skipped when absent). integration: real PostgreSQL, Redis, Dovecot and Postfix,
// files run one at a time because they share the mail lab.
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { test: { name: "corpus", include: ["test/corpus/**/*.test.ts"], testTimeout: 120_000 } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
