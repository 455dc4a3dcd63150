import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "../generated/prisma/client.ts";
import { statementNames } from "./statement-names.ts";

export type Db = PrismaClient;
/** A client or an interactive-transaction client: repositories and services accept either. */
export type DbOrTx = PrismaClient | Prisma.TransactionClient;

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }, { statementNameGenerator: statementNames() }) });
}

/** True when `err` is a unique-constraint violation (P2002): the caller treats it as "already done". */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

/**
 * True when a raw statement (`$queryRaw`, P2010) failed on the unique index `index`: the driver adapter's
 * error names the index, so one expected race is told apart from any other failure of a large statement.
 */
export function isRawUniqueViolationOn(err: unknown, index: string): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== "P2010") return false;
  const cause = (err.meta as { driverAdapterError?: { cause?: { kind?: string; constraint?: { index?: string } } } } | undefined)?.driverAdapterError?.cause;
  return cause?.kind === "UniqueConstraintViolation" && cause.constraint?.index === index;
}
