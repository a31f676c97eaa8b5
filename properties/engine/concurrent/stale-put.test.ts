import { describe, expect, it } from 'vitest';
import type { HistoryOp } from './history.ts';
import { linViolation } from './lin-model.ts';

// The M25-stale label: which stuck operations a put through a pointer held across growth explains.

const op = (
  id: number,
  cpu: number,
  o: HistoryOp['op'],
  call: number,
  ret: number,
  extra: Partial<HistoryOp> = {},
): HistoryOp => ({
  id,
  cpu,
  index: id,
  op: o,
  call,
  ret,
  ...extra,
});

/** cpu0: get f1, get f0 (grows), stale put of md_f1; then cpu1's get of another function, stuck. */
function history(stale: boolean, lastCall: number): HistoryOp[] {
  return [
    op(0, 0, { op: 'locked_get', fn: 'f1' }, 1, 161, { result: { kind: 'get', index: 0 } }),
    op(1, 0, { op: 'locked_get', fn: 'f0' }, 163, 413, { result: { kind: 'get', index: 1 } }),
    op(2, 0, { op: 'put', fn: 'f1' }, 415, 557, { putIndex: 0, putBase: 1, ...(stale ? { staleMd: true } : {}) }),
    op(3, 1, { op: 'locked_get', fn: 'indirect0' }, lastCall, 895, { result: { kind: 'get', index: 2 } }),
  ];
}

const stuckOnLast = {
  verdict: 'violation',
  steps: 10,
  longest: [0, 1, 2],
  stuck: [3],
  partition: [0, 1, 2, 3],
} as const;

describe('a stale put explains a stuck get', () => {
  it('of another function called after the put returned (the slot it left counted moves the lowest free one)', () => {
    expect(linViolation(history(true, 559), stuckOnLast, 0).detail).toEqual({ stalePut: true });
  });

  it('not when the put was not stale', () => {
    expect(linViolation(history(false, 559), stuckOnLast, 0).detail).toEqual({});
  });

  it('not a get of another function that overlapped the put (it need not follow it)', () => {
    expect(linViolation(history(true, 500), stuckOnLast, 0).detail).toEqual({});
  });
});
