/**
 * The browser tier's shared set-up: the app on the lab services, the real web server on a free port, and
 * Debian's chromium-headless-shell driven by playwright-core (never a browser download; CHROMIUM_PATH
 * overrides), plus the axe-core WCAG 2.1 A/AA check and the screenshots every browser test takes.
 */
import { AxeBuilder } from "@axe-core/playwright";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { webOptions } from "../../src/app/runtime.ts";
import type { HelpdeskConfig } from "../../src/config/helpdesk-config.ts";
import { startWebServer, type WebOptions } from "../../src/web/server.ts";
import { freePort, startApp, testEnv, type App } from "./harness.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/lib/chromium/chromium-headless-shell";
export const SHOTS = path.resolve("test/e2e/screenshots");

export interface BrowserLab {
  app: App;
  /** The web server's origin, e.g. http://127.0.0.1:41234 (also its public URL). */
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

export interface BrowserLabOptions {
  roles: ("poller" | "worker")[];
  /** Runs after the app starts and before the web server does (data the server reads at start). */
  prepare?: (app: App) => Promise<void>;
  web?: Partial<WebOptions>;
}

export async function startBrowserLab(cfg: HelpdeskConfig, opts: BrowserLabOptions): Promise<BrowserLab> {
  mkdirSync(SHOTS, { recursive: true });
  const app = await startApp(cfg, { env: testEnv(), roles: opts.roles });
  let web: { close(): Promise<void> } | undefined;
  try {
    await opts.prepare?.(app);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    web = await startWebServer(app.rt.deps, app.rt.redis, webOptions(app.rt.env, { port, publicUrl: base, ...opts.web }));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    const server = web;
    return {
      app,
      base,
      browser,
      async close() {
        await browser.close();
        await server.close();
        await app.close();
      },
    };
  } catch (err) {
    // Half started: stop what runs, or the test file's worker never exits.
    await web?.close();
    await app.close();
    throw err;
  }
}

/** axe-core on the page as it is now: no WCAG 2.1 A/AA violation, listed by rule and element when there are. */
export async function axe(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const summary = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(summary, `axe on ${name}`).toEqual([]);
}

/** A full-page screenshot into test/e2e/screenshots/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
