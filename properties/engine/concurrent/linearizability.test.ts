import { describe, expect, it } from 'vitest';
import { configurationByName } from '../../../model/config/index.ts';
import { DEFAULT_GEN } from './arbitraries.ts';
import { labelOf } from './classify.ts';
import { searchConcurrent } from './search.ts';
import { simulate } from './simulate.ts';
import type { HistoryOp, OpResult } from './history.ts';
import { ModelSpec } from './lin-model.ts';
import { checkLinearizable } from './linearizability.ts';
import type { SequentialSpec, TimedOp } from './linearizability.ts';
import { partitionByFunction } from './partition.ts';
import type { ConcurrentOperation } from '../core/operations.ts';
import type { ConcurrentScenario } from '../core/scenario.ts';
import { modelInputFor } from '../core/world.ts';
import { blindReaders } from '../../../impl/testing/blind-readers.ts';

// a toy register, to test the search itself
type RegOp = { kind: 'w'; v: number } | { kind: 'r'; v: number };
const register: SequentialSpec<number, RegOp> = {
  init: 0,
  step: (s, op) => (op.kind === 'w' ? op.v : op.v === s ? s : null),
  key: (s) => String(s),
};
const at = (op: RegOp, call: number, ret: number | null): TimedOp<RegOp> => ({ op, call, ret });

describe('the Wing–Gong/Lowe search', () => {
  it('accepts a read overlapping a write whichever value it saw', () => {
    for (const v of [0, 1])
      expect(checkLinearizable(register, [at({ kind: 'w', v: 1 }, 0, 10), at({ kind: 'r', v }, 5, 6)]).verdict).toBe(
        'ok',
      );
  });

  it('rejects a stale read after the write returned, naming the longest prefix', () => {
    const r = checkLinearizable(register, [at({ kind: 'w', v: 1 }, 0, 4), at({ kind: 'r', v: 0 }, 5, 6)]);
    expect(r.verdict).toBe('violation');
    if (r.verdict === 'violation') {
      expect(r.longest).toEqual([0]);
      expect(r.stuck).toEqual([1]);
    }
  });

  it('a pending operation may take effect at any point after its call', () => {
    expect(checkLinearizable(register, [at({ kind: 'w', v: 2 }, 0, null), at({ kind: 'r', v: 2 }, 5, 6)]).verdict).toBe(
      'ok',
    );
  });

  it('answers unknown when the budget runs out, never a wrong verdict', () => {
    const ops = Array.from({ length: 8 }, (_, i) => at({ kind: 'w', v: i }, 0, 100)).concat([
      at({ kind: 'r', v: 99 }, 101, 102),
    ]);
    expect(checkLinearizable(register, ops, 5).verdict).toBe('unknown');
    expect(checkLinearizable(register, ops).verdict).toBe('violation');
  });

  it('memoisation keeps a wide concurrent history cheap', () => {
    const ops = Array.from({ length: 14 }, (_, i) => at({ kind: 'w', v: i % 2 }, 0, 100)).concat([
      at({ kind: 'r', v: 1 }, 101, 102),
    ]);
    const r = checkLinearizable(register, ops);
    expect(r.verdict).toBe('ok');
    expect(r.steps).toBeLessThan(5_000);
  });

  it('checks partitions one by one', () => {
    const ops = [
      at({ kind: 'w', v: 1 }, 0, 1),
      at({ kind: 'r', v: 1 }, 2, 3),
      at({ kind: 'w', v: 5 }, 0, 1),
      at({ kind: 'r', v: 0 }, 2, 3),
    ];
    const r = checkLinearizable(register, ops, undefined, [
      [0, 1],
      [2, 3],
    ]);
    expect(r.verdict).toBe('violation');
    if (r.verdict === 'violation') expect(r.partition).toEqual([2, 3]);
    expect(checkLinearizable(register, ops.slice(0, 2), undefined, [[0], [1]]).verdict).toBe('violation');
  });
});

// the kfunc_md model through xstate's transition(), on hand-written histories
const scenario: ConcurrentScenario = {
  config: 'x86-A16',
  entriesPerPage: 2,
  maxOrder: 1,
  pokeByteOrder: [0, 1, 2, 3, 4],
  functions: [
    { name: 'f0', padded: true },
    { name: 'f1', padded: true },
  ],
  programs: [],
  schedule: { kind: 'segments', segments: [] },
};
let id = 0;
function h(
  cpu: number,
  op: ConcurrentOperation,
  call: number,
  ret: number | null,
  result: OpResult,
  putIndex?: number,
): HistoryOp {
  return { id: id++, cpu, index: 0, op, call, ret, result, ...(putIndex !== undefined ? { putIndex } : {}) };
}
const check = (ops: HistoryOp[], policy: 'lowest-free' | 'any-free' = 'lowest-free') =>
  checkLinearizable(
    new ModelSpec(modelInputFor(scenario, policy)),
    ops.map((o) => ({ op: o, call: o.call, ret: o.ret })),
    undefined,
    partitionByFunction(ops, policy, scenario.entriesPerPage),
  ).verdict;

describe('linearizability against the kfunc_md model', () => {
  expect(configurationByName(scenario.config).arch).toBe('x86');

  it('two live functions never share a slot', () => {
    const ops = [
      h(0, { op: 'locked_get', fn: 'f0' }, 1, 9, { kind: 'get', index: 0 }),
      h(1, { op: 'locked_get', fn: 'f1' }, 11, 19, { kind: 'get', index: 0 }),
    ];
    expect(check(ops)).toBe('violation');
    expect(check(ops, 'any-free')).toBe('violation');
  });

  it('any-free accepts whichever free slot the implementation chose; lowest-free does not', () => {
    const ops = [h(0, { op: 'locked_get', fn: 'f0' }, 1, 9, { kind: 'get', index: 1 })];
    expect(check(ops, 'any-free')).toBe('ok');
    expect(check(ops)).toBe('violation');
  });

  it('a reader overlapping the get may see the md or nothing; after it, it must see the md', () => {
    const get = () => h(0, { op: 'locked_get', fn: 'f0' }, 1, 9, { kind: 'get', index: 0 });
    const tramp = (call: number, ret: number, index: number | null) =>
      h(1, { op: 'tramp', fn: 'f0', rcu: true }, call, ret, { kind: 'find', index, consistent: true });
    expect(check([get(), tramp(3, 5, 0)])).toBe('ok');
    expect(check([get(), tramp(3, 5, null)])).toBe('ok');
    expect(check([get(), tramp(11, 13, null)])).toBe('violation');
  });

  it("a reader whose md is not the function's own is never linearizable", () => {
    const ops = [
      h(0, { op: 'locked_get', fn: 'f0' }, 1, 9, { kind: 'get', index: 0 }),
      h(1, { op: 'tramp', fn: 'f0', rcu: true }, 3, 5, { kind: 'find', index: 0, consistent: false }),
    ];
    expect(check(ops)).toBe('violation');
  });

  it('put releases the slot: the next function may reuse it', () => {
    const ops = [
      h(0, { op: 'locked_get', fn: 'f0' }, 1, 9, { kind: 'get', index: 0 }),
      h(0, { op: 'put', fn: 'f0' }, 11, 19, { kind: 'put', warned: false }, 0),
      h(1, { op: 'locked_get', fn: 'f1' }, 21, 29, { kind: 'get', index: 0 }),
      h(1, { op: 'tramp', fn: 'f0', rcu: true }, 31, 33, { kind: 'find', index: null, consistent: true }),
    ];
    expect(check(ops)).toBe('ok');
  });

  it('partitions per function only when the model allows it', () => {
    const ops = [
      h(0, { op: 'locked_get', fn: 'f0' }, 1, 9, { kind: 'get', index: 0 }),
      h(1, { op: 'locked_get', fn: 'f1' }, 2, 8, { kind: 'get', index: 1 }),
    ];
    expect(partitionByFunction(ops, 'any-free', 2)).toEqual([[0], [1]]);
    expect(partitionByFunction(ops, 'lowest-free', 2)).toBeUndefined();
    expect(
      partitionByFunction(
        [...ops, h(2, { op: 'tramp', fn: 'f1', rcu: true }, 3, 4, { kind: 'find', index: 0, consistent: true })],
        'any-free',
        2,
      ),
    ).toBeUndefined();
  });
});

// the blind readers (impl/testing/blind-readers.ts): no safety check can object, only the model can
describe('linearizability in a run', () => {
  it('catches what no safety check can: a reader missing an md installed before it started', () => {
    const s: ConcurrentScenario = {
      ...scenario,
      programs: [[{ op: 'locked_get', fn: 'f0' }], [{ op: 'tramp', fn: 'f0', rcu: true }]],
    };
    const run = simulate(s, blindReaders);
    expect(run.violation?.check).toBe('linearizability');
    expect(run.violation?.message).toContain(
      'longest linearizable prefix [`kfunc_md_lock(); md_f0 = kfunc_md_get(f0); kfunc_md_unlock();`], then none of: ' +
        'cpu1 `rcu_read_lock(); md = kfunc_md_find(f0); md->users, md->func; rcu_read_unlock();` → NULL',
    );
    expect(labelOf(run.violation)).toBe('linearizability');
  });

  // that the report then lists the history: properties/app/report/linearizability-report.test.ts
  it('the search finds it, and it is no known finding', () => {
    const r = searchConcurrent(blindReaders, {
      gen: { ...DEFAULT_GEN, config: configurationByName('x86-A16'), pokeByteOrder: [0, 1, 2, 3, 4] },
      strategy: 'pct',
      seed: 1,
      numRuns: 200,
    });
    expect(r.run?.violation?.check).toBe('linearizability');
    expect(r.finding).toBeNull();
  });
});
