/**
 * Every padded function's md window after every step of a concurrent run, from what the run
 * recorded: the windows at boot, and each step's timeline entry naming the windows it changed
 * with their bytes after it. Exact, mid-poke bytes included.
 */
import type { ConcRun } from '../../../engine/concurrent/simulate.ts';

/** Function name → window bytes (hex as the timeline has them), in address order. */
export type Windows = ReadonlyMap<string, string>;

export interface WindowHistory {
  readonly boot: Windows;
  /** after[k]: after step k (the timeline's k-th entry) */
  readonly after: readonly Windows[];
}

export function windowHistory(run: ConcRun): WindowHistory {
  const boot: Windows = new Map(run.bootWindows.map((w) => [w.fn, w.bytes] as const));
  const after: Windows[] = [];
  let current = boot;
  for (const e of run.timeline) {
    if (e.windows && e.windows.length > 0) {
      const next = new Map(current);
      for (const w of e.windows) next.set(w.fn, w.bytes);
      current = next;
    }
    after.push(current);
  }
  return { boot, after };
}
