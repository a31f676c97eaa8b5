import { Oracle } from '../../../model/index.ts';
import type { ModelInput, ModelSnapshot, SlotPolicy } from '../../../model/index.ts';
import { modelEvents } from '../core/model-events.ts';
import { describeOperation } from '../core/operations.ts';
import type { Violation } from '../core/violation.ts';
import { describeResult } from './history.ts';
import type { HistoryOp } from './history.ts';
import { checkLinearizable, DEFAULT_LIN_BUDGET } from './linearizability.ts';
import type { LinResult, SequentialSpec } from './linearizability.ts';
import { partitionByFunction } from './partition.ts';

const MEMO_LIMIT = 200_000;

/**
 * The model as a sequential specification for the checker, stepped through the same oracle the
 * sequential driver uses (Oracle.peek: a pure step from an immutable snapshot). Nothing of the
 * model's semantics is re-implemented here, only which events an operation is (core
 * model-events) and which outcome field its response must match. Snapshots are immutable, so
 * one spec memoises (state, operation) → state across every history of the same setup: share
 * it between the runs of a search.
 */
export class ModelSpec implements SequentialSpec<ModelSnapshot, HistoryOp> {
  readonly init: ModelSnapshot;
  private readonly oracle: Oracle;
  private readonly memo = new Map<string, ModelSnapshot | null>();
  private readonly keys = new WeakMap<ModelSnapshot, string>();

  constructor(readonly input: ModelInput) {
    this.oracle = new Oracle(input);
    this.init = this.oracle.current;
  }

  readonly key = (snap: ModelSnapshot): string => {
    let k = this.keys.get(snap);
    if (k === undefined) {
      const c = snap.context;
      k = JSON.stringify([snap.value, c.order, c.count, c.used, c.slots, c.windows, c.touched, c.pendingAllocFailures]);
      this.keys.set(snap, k);
    }
    return k;
  };

  readonly step = (snap: ModelSnapshot, h: HistoryOp): ModelSnapshot | null => {
    const k = `${this.key(snap)}#${h.op.op}:${h.op.fn}:${h.putIndex ?? ''}:${JSON.stringify(h.result ?? null)}`;
    const hit = this.memo.get(k);
    if (hit !== undefined) return hit;
    const next = this.judge(snap, h);
    if (this.memo.size > MEMO_LIMIT) this.memo.clear();
    this.memo.set(k, next);
    return next;
  };

  /** The state after h, if h may take effect in `snap` with the response it had; else null. */
  private judge(snap: ModelSnapshot, h: HistoryOp): ModelSnapshot | null {
    const r = h.result;
    const observedIndex = r?.kind === 'get' && typeof r.index === 'number' ? r.index : undefined;
    const events = modelEvents(h.op, {
      ...(h.putIndex !== undefined ? { putIndex: h.putIndex } : {}),
      ...(observedIndex !== undefined ? { observedIndex } : {}),
      ...(r?.kind === 'get' && r.index === null ? { observedNull: true } : {}),
      ...(this.input.design ? { locking: this.input.design.locking } : {}),
    });
    if (events.length === 0) return null;
    let state = snap;
    let outcome = null;
    for (const e of events) {
      state = this.oracle.peek(state, e);
      if (state.context.violation !== null) return null;
      // the outcome that answers the operation: GET's for a locked get, not UNLOCK's
      if (e.type !== 'LOCK' && e.type !== 'UNLOCK') outcome = state.context.outcome;
    }
    if (!r) return state;
    switch (h.op.op) {
      case 'locked_get':
        return outcome?.op === 'get' && r.kind === 'get' && r.index === outcome.md ? state : null;
      case 'put':
      case 'put_by_ip':
        return (outcome?.op === 'put' || outcome?.op === 'put_by_ip') &&
          r.kind === 'put' &&
          r.warned === (outcome.warn !== null)
          ? state
          : null;
      case 'tramp':
        // the model's find returns only an md whose entry is live and the function's own
        return outcome?.op === 'find' &&
          r.kind === 'find' &&
          r.index === outcome.md &&
          (outcome.md === null || r.consistent)
          ? state
          : null;
    }
  }
}

/** The run's history against the model, per function when that is sound (partition.ts). */
export function checkHistory(
  history: readonly HistoryOp[],
  spec: ModelSpec,
  slotPolicy: SlotPolicy,
  budget = DEFAULT_LIN_BUDGET,
): LinResult {
  const ops = history.map((h) => ({ op: h, call: h.call, ret: h.ret }));
  return checkLinearizable(spec, ops, budget, partitionByFunction(history, slotPolicy, spec.input.entriesPerPage));
}

/** A lookup (the trampoline's reader) that found no md. */
function missed(h: HistoryOp | undefined): boolean {
  return h?.op.op === 'tramp' && h.result?.kind === 'find' && h.result.index === null;
}

/** Of the operations no order could place, the one called first (the others may wait only on it). */
function earliest(history: readonly HistoryOp[], stuck: readonly number[]): HistoryOp | undefined {
  let first: HistoryOp | undefined;
  for (const i of stuck) {
    const h = history[i];
    if (h && (first === undefined || h.call < first.call)) first = h;
  }
  return first;
}

/**
 * A put through a pointer held across growth that explains an operation no order could place: one
 * on the same function, or one that returned before a stuck get was called (a get takes the lowest
 * free slot, so a slot the stale put left counted in the current array moves every later get).
 */
function stalePutOn(history: readonly HistoryOp[], stuck: readonly number[]): boolean {
  const ops = stuck.flatMap((i) => (history[i] ? [history[i]] : []));
  return history.some(
    (h) =>
      h.staleMd === true &&
      ops.some((s) => s.op.fn === h.op.fn || (s.op.op === 'locked_get' && h.ret !== null && h.ret < s.call)),
  );
}

export function linViolation(
  history: readonly HistoryOp[],
  lin: LinResult & { verdict: 'violation' },
  at: number,
): Violation {
  const name = (i: number): string => {
    const h = history[i];
    return h ? `cpu${h.cpu} \`${describeOperation(h.op)}\` → ${describeResult(h.result)}` : `#${i}`;
  };
  const placed = lin.longest.map((i) => {
    const h = history[i];
    return h ? `\`${describeOperation(h.op)}\`` : `#${i}`;
  });
  return {
    check: 'linearizability',
    at,
    cpu: null,
    message: `no order of the ${history.length} operations consistent with real time agrees with the model; longest linearizable prefix [${placed.join(', ')}], then none of: ${lin.stuck.map(name).join('; ')}`,
    detail: {
      ...(missed(earliest(history, lin.stuck)) ? { lookupMissed: true } : {}),
      ...(stalePutOn(history, lin.stuck) ? { stalePut: true } : {}),
    },
  };
}

/** Specs by setup, so the runs of one search share their memo (as many setups as a search meets; bounded). */
export class ModelSpecs {
  private readonly specs = new Map<string, ModelSpec>();

  get(input: ModelInput): ModelSpec {
    const key = JSON.stringify(input);
    let spec = this.specs.get(key);
    if (!spec) {
      if (this.specs.size > 64) this.specs.clear();
      spec = new ModelSpec(input);
      this.specs.set(key, spec);
    }
    return spec;
  }
}
