import type { SlotPolicy } from '../../../model/index.ts';
import type { HistoryOp } from './history.ts';

/**
 * Per-function partitions (Porcupine's P-compositionality) when the model allows them here:
 * functions interact only through slots and capacity, so the split is sound when the
 * implementation's slot choice is judged by relation ('any-free'), every get succeeded within
 * the first page (no growth, no failure), and no two functions ever touch the same slot index.
 * Otherwise undefined: check the history whole.
 */
export function partitionByFunction(
  ops: readonly HistoryOp[],
  slotPolicy: SlotPolicy,
  entriesPerPage: number,
): number[][] | undefined {
  if (slotPolicy !== 'any-free') return undefined;
  const slotsOf = new Map<string, Set<number>>();
  const note = (fn: string, index: number): void => {
    let s = slotsOf.get(fn);
    if (!s) slotsOf.set(fn, (s = new Set()));
    s.add(index);
  };
  for (const h of ops) {
    const r = h.result;
    if (h.op.op === 'locked_get') {
      if (r?.kind !== 'get' || typeof r.index !== 'number' || r.index >= entriesPerPage) return undefined;
      note(h.op.fn, r.index);
    }
    if (r?.kind === 'find') {
      if (r.index === 'bogus') return undefined;
      if (r.index !== null) note(h.op.fn, r.index);
    }
    if (h.putIndex !== undefined) note(h.op.fn, h.putIndex);
  }
  const owner = new Map<number, string>();
  for (const [fn, s] of slotsOf) {
    for (const i of s) {
      if (owner.has(i) && owner.get(i) !== fn) return undefined;
      owner.set(i, fn);
    }
  }
  const byFn = new Map<string, number[]>();
  ops.forEach((h, i) => {
    const list = byFn.get(h.op.fn) ?? [];
    list.push(i);
    byFn.set(h.op.fn, list);
  });
  return [...byFn.values()];
}
