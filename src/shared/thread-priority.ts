import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The nice value a priority can go up to (the lowest share of a busy CPU). */
const LOWEST = 19;

/**
 * Lowers the calling thread's share of a busy CPU by `step` nice levels (up to 19), where the system keeps a nice value
 * per thread (Linux: /proc/thread-self names the thread's id). Only ever lowered: a process started with `nice` keeps
 * its own setting as the floor. Answers the thread's nice value after, or null where nothing could be done.
 * @example lowerThreadPriority(10) // 10 in a worker of a process at nice 0 on Linux; null elsewhere
 */
export function lowerThreadPriority(step: number): number | null {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null; // not Linux
  }
  if (!Number.isInteger(tid) || tid <= 0) return null;
  try {
    const nice = Math.min(LOWEST, getPriority(tid) + step);
    setPriority(tid, nice);
    return nice;
  } catch {
    return null; // a sandbox that refuses it: the thread keeps its priority
  }
}
