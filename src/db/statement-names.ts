/**
 * Names for the statements PostgreSQL may keep prepared per connection (the driver adapter's
 * `statementNameGenerator`): a statement run under a name is parsed and analysed once per connection, then
 * only bound and executed. The hot path's large CTE statements (filing a message, notify's load and write) pay
 * a good part of their PostgreSQL time in parse and analysis, every time, without it.
 *
 * Bounded on purpose: every name is a prepared statement in every pooled connection's backend, and texts
 * that vary with their input (an `IN ($1,$2,…)` list, a multi-row `VALUES`) would add one per length. So only
 * texts without a parameter list are named, and only the first `limit` distinct texts; the rest run unnamed,
 * exactly as before.
 */
import { createHash } from "node:crypto";

/** A run of two or more parameters separated by commas: a list whose length follows the input. */
const PARAMETER_LIST = /\$\d+\s*,\s*\$\d+/;

export function statementNames(limit = 64): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    const known = names.get(sql);
    if (known !== undefined) return known;
    if (names.size >= limit || PARAMETER_LIST.test(sql)) return "";
    const name = `mc_${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
    names.set(sql, name);
    return name;
  };
}
