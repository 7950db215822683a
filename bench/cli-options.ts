/** The benchmarks' command lines: `--name value` options, and progress lines stamped with the time and load. */
import os from 'node:os';

const argv = process.argv.slice(2);

/** Given an option's name (`--levels`) and a fallback, returns its value on the command line or the fallback. */
export const option = (name: string, fallback: string): string => {
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : undefined;
  return v && !v.startsWith('--') ? v : fallback;
};

/** Given a line, prints it after the time and the machine's load average. */
export const log = (s: string): void => console.log(`[${new Date().toISOString().slice(11, 19)} load ${os.loadavg()[0]!.toFixed(2)}] ${s}`);
