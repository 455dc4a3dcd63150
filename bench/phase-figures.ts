/** A bench phase's cost per message, from the counters taken before and after it (bench.ts), and its printed line. */

/** Everything a phase's figures are deltas of. */
export interface Counters {
  nodeCpu: number[];
  statements: number;
  xacts: number;
  redisCommands: number;
  redisByCommand: Map<string, number>;
  redisCpu: number;
  postfixCpu: number;
  dovecotCpu: number;
  machineBusy: number;
  at: number;
}

export interface PhaseInput {
  name: string;
  messages: number;
  before: Counters;
  after: Counters;
  /** CPU of the bench database's PostgreSQL backends over the phase. */
  pgCpuMs: number;
  /** Half-second samples in which the send limiter held mail back. */
  throttledSamples: number;
  sendRate: number;
  cores: number;
}

export function phaseFigures(p: PhaseInput) {
  const { before, after } = p;
  const n = p.messages;
  const per = (x: number): number => Math.round((x / n) * 100) / 100;
  const nodeCpu = after.nodeCpu.map((c, i) => c - (before.nodeCpu[i] ?? 0));
  const mailcaseCpu = nodeCpu.reduce((a, b) => a + b, 0);
  const redisCpu = after.redisCpu - before.redisCpu;
  const topRedis = [...after.redisByCommand]
    .map(([cmd, calls]) => [cmd, calls - (before.redisByCommand.get(cmd) ?? 0)] as const)
    .filter(([, calls]) => calls > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([cmd, calls]) => `${cmd} ${per(calls)}`);
  const seconds = (after.at - before.at) / 1000;
  return {
    phase: p.name,
    messages: n,
    seconds,
    cpuMsPerMsg: {
      mailcase: per(mailcaseCpu),
      mailcaseByProcess: nodeCpu.map(per),
      postgres: per(p.pgCpuMs),
      redis: per(redisCpu),
      own: per(mailcaseCpu + p.pgCpuMs + redisCpu),
      postfix: per(after.postfixCpu - before.postfixCpu),
      dovecot: per(after.dovecotCpu - before.dovecotCpu),
    },
    sqlStatementsPerMsg: per(after.statements - before.statements),
    pgTransactionsPerMsg: per(after.xacts - before.xacts),
    redisCommandsPerMsg: per(after.redisCommands - before.redisCommands),
    redisTopCommandsPerMsg: topRedis,
    /** Seconds (sampled every 0.5 s) in which the send limiter held mail back; 0 when it never throttled. */
    sendThrottledSeconds: p.throttledSamples / 2,
    sendRatePerSecond: p.sendRate || null,
    /** Share of both cores busy over the phase, everything on the machine included (other sessions too). */
    machineBusyPercent: Math.round(((after.machineBusy - before.machineBusy) / (seconds * 1000 * p.cores)) * 100),
  };
}

export type PhaseFigures = ReturnType<typeof phaseFigures>;

export function formatPhase(f: PhaseFigures): string {
  const c = f.cpuMsPerMsg;
  return (
    `${f.phase}: CPU-ms/msg mailcase ${c.mailcase} [${c.mailcaseByProcess.join(" + ")}], postgres ${c.postgres}, redis ${c.redis} = own ${c.own}; ` +
    `postfix ${c.postfix}, dovecot ${c.dovecot} | SQL ${f.sqlStatementsPerMsg} statements, ${f.pgTransactionsPerMsg} transactions/msg | ` +
    `redis ${f.redisCommandsPerMsg} commands/msg (${f.redisTopCommandsPerMsg.join(", ")}) | machine ${f.machineBusyPercent}% busy`
  );
}
