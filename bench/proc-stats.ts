/**
 * CPU and memory of processes from /proc (Linux only), for the benchmarks' per-message cost figures.
 *
 * CPU time is read in clock ticks (utime+stime, and cutime+cstime for children already reaped). A process
 * tree's consumption over an interval is the delta of T(root), where T(p) = p's own time + its reaped children's
 * time + T(c) for every live child c: a short-lived child (a Postfix smtpd, a Dovecot imap process) that exits
 * inside the interval moves its time into its parent's cutime when it is reaped, so nothing is lost or counted
 * twice.
 */
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim() || "100");

export interface Stat {
  pid: number;
  ppid: number;
  /** Own CPU, ms. */
  self: number;
  /** CPU of reaped children, ms. */
  reaped: number;
}

export function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  // The command name may contain spaces and parentheses: the fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const n = (i: number): number => Number(fields[i - 3] ?? 0);
  return { pid, ppid: n(4), self: (n(14) + n(15)) * TICK_MS, reaped: (n(16) + n(17)) * TICK_MS };
}

function allStats(): Stat[] {
  const out: Stat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** T(root) in ms as defined above; 0 when the root is gone. */
export function treeCpuMs(root: number): number {
  const stats = allStats();
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const total = (s: Stat): number => s.self + s.reaped + (children.get(s.pid) ?? []).reduce((sum, c) => sum + total(c), 0);
  const r = byPid.get(root);
  return r ? total(r) : 0;
}

/** Own CPU (all threads) of one process in ms; null when it is gone. */
export function cpuMs(pid: number): number | null {
  const s = readStat(pid);
  return s ? s.self : null;
}

/** Peak resident set (VmHWM) of a live process in MB. */
export function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Current resident set (VmRSS) of a live process in MB: the figure "at rest" is read with it. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** The 1-minute load average and the number of cores: how much the figures can be trusted. */
export function machineLoad(): { load1: number; cores: number } {
  const load1 = Number(readFileSync("/proc/loadavg", "latin1").split(" ")[0]);
  const cores = readFileSync("/proc/cpuinfo", "latin1").split("\n").filter((l) => l.startsWith("processor")).length;
  return { load1, cores };
}

/** Total CPU time of the whole machine (all cores, busy only) in ms, from /proc/stat. */
export function machineBusyMs(): number {
  const line = readFileSync("/proc/stat", "latin1").split("\n")[0] ?? "";
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * TICK_MS;
}

/**
 * CPU of a changing set of processes (PostgreSQL backends of one database): sampled often, each pid counted
 * from its first sample (or from 0 when it appeared after the start) to its last. A backend that exits between
 * two samples loses at most one interval of its time.
 */
export class PidSetCpu {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private started = false;

  sample(pids: readonly number[]): void {
    for (const pid of pids) {
      const cpu = cpuMs(pid);
      if (cpu === null) continue;
      if (!this.first.has(pid)) this.first.set(pid, this.started ? 0 : cpu);
      this.last.set(pid, cpu);
    }
    this.started = true;
  }

  totalMs(): number {
    let sum = 0;
    for (const [pid, last] of this.last) sum += last - (this.first.get(pid) ?? 0);
    return sum;
  }
}
