export function newestMtimeMs(dir: string): number;
export function pickEntry(root: string, env?: NodeJS.ProcessEnv): "build" | "source";
