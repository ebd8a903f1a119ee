/**
 * How busy the machine was with work other than this benchmark. On a shared two-core host a compile
 * or test run next door halves the numbers, so the report says how much of the CPU was taken.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Jiffies are 1/100 s on Linux (USER_HZ); that is fixed by the kernel ABI, not by CONFIG_HZ. */
const MS_PER_JIFFY = 10;

export interface CpuSnapshot {
  at: number;
  /** Busy CPU time of the whole machine (all cores), ms; null off Linux. */
  machineBusyMs: number | null;
  /** Time the hypervisor gave to other guests, ms. */
  stealMs: number | null;
  /** CPU time of this process (all its threads), ms. */
  ownMs: number;
}

function readProcStat(): { busy: number; steal: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return {
      busy: (user! + nice! + system! + irq! + softirq!) * MS_PER_JIFFY,
      steal: (steal ?? 0) * MS_PER_JIFFY,
    };
  } catch {
    return null;
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const stat = readProcStat();
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    machineBusyMs: stat?.busy ?? null,
    stealMs: stat?.steal ?? null,
    ownMs: (own.user + own.system) / 1000,
  };
}

export interface Contention {
  /** Cores' worth of CPU used by other processes, averaged over the interval. */
  otherCores: number;
  /** Cores' worth of CPU stolen by the hypervisor. */
  stealCores: number;
  /** Cores' worth used by the server process and the load generator. */
  benchCores: number;
  /** CPU time of this process (the server under test), ms. */
  serverCpuMs: number;
}

/** `childCpuMs`: CPU the load generator reported for the same interval. */
export function contention(before: CpuSnapshot, after: CpuSnapshot, childCpuMs: number): Contention | null {
  if (before.machineBusyMs === null || after.machineBusyMs === null) return null;
  const wall = after.at - before.at;
  const server = after.ownMs - before.ownMs;
  const own = server + childCpuMs;
  const busy = after.machineBusyMs - before.machineBusyMs;
  return {
    otherCores: Math.max(0, busy - own) / wall,
    stealCores: (after.stealMs! - before.stealMs!) / wall,
    benchCores: own / wall,
    serverCpuMs: server,
  };
}

/** A positive number from the environment, or `fallback`; anything else stops the benchmark, naming it. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: must be a positive number, got "${raw}"`);
  return n;
}

/** The report's "Machine" section: what the figures were measured on, and with which settings. */
export function printMachine(settings: string): void {
  const cpus = os.cpus();
  console.log('\n## Machine\n');
  console.log(`- CPU: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`);
  console.log(`- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
  console.log(`- OS: ${os.type()} ${os.release()} (${os.arch()})`);
  console.log(`- Node.js: ${process.version}`);
  console.log(`- Date: ${new Date().toISOString()}`);
  console.log(`- Settings: ${settings}`);
}
