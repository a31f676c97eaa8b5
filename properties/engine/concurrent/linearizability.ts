/**
 * A bounded linearizability checker in the manner of Porcupine: the Wing–Gong search with
 * Lowe's memoisation (a linearized-set + model-state cache), over a sequential model given as
 * pure functions. Answers ok, violation (with the longest partial linearization found) or
 * unknown when the budget of model steps runs out.
 */
export interface SequentialSpec<S, O> {
  readonly init: S;
  /** the next state if `op` may take effect in `state` with the response it had, else null */
  step(state: S, op: O): S | null;
  /** equal keys = equal states (for the cache) */
  key(state: S): string;
}

export interface TimedOp<O> {
  readonly op: O;
  readonly call: number;
  /** null: pending (it never returned): it still must take effect, at some time after its call, as in Porcupine */
  readonly ret: number | null;
}

export type LinResult =
  | { readonly verdict: 'ok'; readonly steps: number; readonly partitions: number }
  | {
      readonly verdict: 'violation';
      readonly steps: number;
      /** positions (into the partition's ops) of the longest linearizable prefix found */
      readonly longest: readonly number[];
      /** positions of the operations that could not be placed after it */
      readonly stuck: readonly number[];
      /** indices into the checked list of the partition that failed */
      readonly partition: readonly number[];
    }
  | { readonly verdict: 'unknown'; readonly steps: number };

/** The list's sentinel: it is never lifted, so every entry has a predecessor. */
interface Head {
  next: Entry | null;
}

interface Link {
  readonly id: number;
  readonly time: number;
  prev: Entry | Head;
  next: Entry | null;
}

interface CallEntry extends Link {
  readonly call: true;
  readonly match: ReturnEntry;
}

interface ReturnEntry extends Link {
  readonly call: false;
}

type Entry = CallEntry | ReturnEntry;

export const DEFAULT_LIN_BUDGET = 100_000;

/** Check the whole history, or each partition on its own when `partitions` is given (P-compositionality). */
export function checkLinearizable<S, O>(
  spec: SequentialSpec<S, O>,
  ops: readonly TimedOp<O>[],
  budget = DEFAULT_LIN_BUDGET,
  partitions?: readonly (readonly number[])[],
): LinResult {
  const parts = partitions ?? [ops.map((_, i) => i)];
  let steps = 0;
  let unknown = false;
  for (const part of parts) {
    const r = checkOne(
      spec,
      part.map((i) => ops[i]),
      budget - steps,
    );
    steps += r.steps;
    if (r.verdict === 'violation')
      return {
        ...r,
        steps,
        partition: part,
        longest: r.longest.map((i) => part[i]),
        stuck: r.stuck.map((i) => part[i]),
      };
    if (r.verdict === 'unknown') unknown = true;
  }
  return unknown ? { verdict: 'unknown', steps } : { verdict: 'ok', steps, partitions: parts.length };
}

function checkOne<S, O>(spec: SequentialSpec<S, O>, ops: readonly TimedOp<O>[], budget: number): LinResult {
  const head = buildList(ops);
  const cache = new Set<string>();
  const stack: { entry: CallEntry; state: S }[] = [];
  let linearized = 0n;
  let state = spec.init;
  let entry = head.next;
  let steps = 0;
  let longest: number[] = [];
  while (head.next !== null) {
    if (steps >= budget) return { verdict: 'unknown', steps };
    if (entry === null) break;
    if (entry.call) {
      steps++;
      const next = spec.step(state, ops[entry.id].op);
      if (next !== null) {
        const lin = linearized | (1n << BigInt(entry.id));
        const key = `${lin.toString(36)}|${spec.key(next)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry, state });
          if (stack.length > longest.length) longest = stack.map((s) => s.entry.id);
          state = next;
          linearized = lin;
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      // an operation returned before any order placed it: undo the last choice
      const top = stack.pop();
      if (!top) {
        const placed = new Set(longest);
        return {
          verdict: 'violation',
          steps,
          longest,
          stuck: ops.map((_, i) => i).filter((i) => !placed.has(i) && ops[i].ret !== null),
          partition: [],
        };
      }
      state = top.state;
      linearized &= ~(1n << BigInt(top.entry.id));
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { verdict: 'ok', steps, partitions: 1 };
}

/** Calls and returns in time order (a call before a return at the same time: such operations overlap). */
function buildList<O>(ops: readonly TimedOp<O>[]): Head {
  const head: Head = { next: null };
  const entries: Entry[] = [];
  ops.forEach((o, id) => {
    // prev: head until the entries are linked in time order below
    const ret: ReturnEntry = { call: false, id, time: o.ret ?? Number.POSITIVE_INFINITY, prev: head, next: null };
    const call: CallEntry = { call: true, id, time: o.call, match: ret, prev: head, next: null };
    entries.push(call, ret);
  });
  entries.sort((a, b) => a.time - b.time || Number(b.call) - Number(a.call) || a.id - b.id);
  let prev: Entry | Head = head;
  for (const e of entries) {
    e.prev = prev;
    prev.next = e;
    prev = e;
  }
  return head;
}

/** Take a call and its return out of the list (the operation is placed). */
function lift(call: CallEntry): void {
  call.prev.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match;
  ret.prev.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: CallEntry): void {
  const ret = call.match;
  ret.prev.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev.next = call;
  if (call.next) call.next.prev = call;
}
