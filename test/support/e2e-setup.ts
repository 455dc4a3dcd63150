/**
 * Browser tier setup: the same service check and fresh migrated database as the integration tier, but on a
 * database of its own (E2E_DATABASE_URL), so a browser run never races an integration run.
 */
import { prepareServices } from "./global-setup.ts";

export const E2E_DATABASE_URL = process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mailcase_e2e";

export default async function setup(): Promise<void> {
  await prepareServices(E2E_DATABASE_URL);
}
