import { initialTransition, transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { kfuncMdMachine } from '../../../model/index.ts';
import type { ModelEvent, ModelInput, SlotPolicy } from '../../../model/index.ts';
import { describeResult } from './history.ts';
import type { HistoryOp } from './history.ts';
import { checkLinearizable, DEFAULT_LIN_BUDGET } from './linearizability.ts';
import type { LinResult, SequentialSpec } from './linearizability.ts';
import { partitionByFunction } from './partition.ts';
import { describeOp } from './scenario.ts';
import type { ConcViolation } from '../core/violation.ts';

type Snapshot = SnapshotFrom<typeof kfuncMdMachine>;

/** Per model input: the initial snapshot and every (state, operation) → next state computed so far. */
const specs = new Map<string, { init: Snapshot; memo: Map<string, Snapshot | null> }>();
const keys = new WeakMap<Snapshot, string>();
const MEMO_LIMIT = 200_000;

/**
 * The xstate model as a sequential specification for the checker: every operation is stepped
 * with the machine's pure transition() on snapshots; nothing of the model's semantics is
 * re-implemented here, only which events an operation is and which outcome field it must match.
 * Snapshots are immutable, so results are memoised across histories of the same scenario.
 */
export function modelSpec(input: ModelInput): SequentialSpec<Snapshot, HistoryOp> {
  const id = JSON.stringify(input);
  let entry = specs.get(id);
  if (!entry) {
    const [init] = initialTransition(kfuncMdMachine, input);
    if (init.status === 'error') throw init.error;
    if (specs.size > 64) specs.clear();
    specs.set(id, (entry = { init, memo: new Map() }));
  }
  const { init, memo } = entry;
  return {
    init,
    key,
    step(snap, h) {
      const k = `${key(snap)}#${h.op.op}:${h.op.fn}:${h.putIndex ?? ''}:${JSON.stringify(h.result ?? null)}`;
      const hit = memo.get(k);
      if (hit !== undefined) return hit;
      const next = step(snap, h);
      if (memo.size > MEMO_LIMIT) memo.clear();
      memo.set(k, next);
      return next;
    },
  };
}

function step(snap: Snapshot, h: HistoryOp): Snapshot | null {
  const r = h.result;
  const fire = (s: Snapshot, e: ModelEvent): Snapshot | null => {
    const next = transition(kfuncMdMachine, s, e)[0];
    return next.context.violation === null ? next : null;
  };
  switch (h.op.op) {
    case 'get': {
      const locked = fire(snap, { type: 'LOCK' });
      const observed = r?.kind === 'get' && typeof r.index === 'number' ? { observedIndex: r.index } : {};
      const got = locked && fire(locked, { type: 'GET', fn: h.op.fn, ...observed });
      const o = got?.context.outcome;
      if (!got || o?.op !== 'get') return null;
      if (r && (r.kind !== 'get' || r.index !== o.md)) return null;
      return fire(got, { type: 'UNLOCK' });
    }
    case 'put':
    case 'put_by_ip': {
      if (h.op.op === 'put' && h.putIndex === undefined) return null;
      const e: ModelEvent =
        h.op.op === 'put' ? { type: 'PUT', index: h.putIndex! } : { type: 'PUT_BY_IP', fn: h.op.fn };
      const next = fire(snap, e);
      const o = next?.context.outcome;
      if (!next || (o?.op !== 'put' && o?.op !== 'put_by_ip')) return null;
      return !r || (r.kind === 'put' && r.warned === (o.warn !== null)) ? next : null;
    }
    case 'tramp': {
      const next = fire(snap, { type: 'FIND', fn: h.op.fn });
      const o = next?.context.outcome;
      if (!next || o?.op !== 'find') return null;
      // the model's find returns only an md whose entry is live and the function's own
      return !r || (r.kind === 'find' && r.index === o.md && (o.md === null || r.consistent)) ? next : null;
    }
  }
}

function key(snap: Snapshot): string {
  let k = keys.get(snap);
  if (k === undefined) {
    const c = snap.context;
    k = JSON.stringify([snap.value, c.order, c.count, c.used, c.slots, c.windows, c.touched, c.pendingAllocFailures]);
    keys.set(snap, k);
  }
  return k;
}

/** The run's history against the model, per function when that is sound (partition.ts). */
export function checkHistory(
  history: readonly HistoryOp[],
  input: ModelInput,
  slotPolicy: SlotPolicy,
  entriesPerPage: number,
  budget = DEFAULT_LIN_BUDGET,
): LinResult {
  const ops = history.map((h) => ({ op: h, call: h.call, ret: h.ret }));
  return checkLinearizable(modelSpec(input), ops, budget, partitionByFunction(history, slotPolicy, entriesPerPage));
}

export function linViolation(
  history: readonly HistoryOp[],
  lin: LinResult & { verdict: 'violation' },
  step: number,
): ConcViolation {
  const stuck = lin.stuck.map(
    (i) => `cpu${history[i].cpu} ${describeOp(history[i].op)} → ${describeResult(history[i].result)}`,
  );
  const placed = lin.longest.map((i) => describeOp(history[i].op)).join(', ');
  return {
    check: 'linearizability',
    step,
    cpu: null,
    message: `no order of the ${history.length} operations consistent with real time agrees with the model; longest linearizable prefix [${placed}], then none of: ${stuck.join('; ')}`,
    detail: {},
  };
}
