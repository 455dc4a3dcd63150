export const ROOT: string;
export const BUILD_ENTRY: string;
export function buildProcess(entry: string, outFile: string): Promise<void>;
