import fc from 'fast-check';
import type { Configuration } from '../../../model/config/index.ts';
import { encodeInsn } from '../../../model/index.ts';
import type { Operation } from '../core/operations.ts';
import { SUITE_GEOMETRY } from '../core/scenario.ts';
import type { SequentialScenario, ScenarioFunction } from '../core/scenario.ts';
import type { Suite } from './suites.ts';

/**
 * Generators for whole scenarios: the functions of a kernel and the calls a
 * caller makes. Contract-keeping suites generate calls in blocks
 * (lock; get…; unlock) so runs reach growth and its limit quickly; shrinking
 * removes blocks and calls, and the executor skips what no longer fits.
 */
export function scenarioArbitrary(config: Configuration, suite: Suite): fc.Arbitrary<SequentialScenario> {
  return functionsArbitrary(config, suite).chain((functions) =>
    commandsArbitrary(config, suite, functions).map((commands): SequentialScenario => ({
      config: config.name,
      suite: suite.name,
      ...SUITE_GEOMETRY,
      functions,
      commands,
    })),
  );
}

function functionsArbitrary(config: Configuration, suite: Suite): fc.Arbitrary<ScenarioFunction[]> {
  const padded = fc.integer({ min: 2, max: 5 });
  if (!suite.unpadded) return padded.map((n) => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, padded: true })));
  const unpadded = fc.array(fc.record({ after: fc.nat(4), tail: tailArbitrary(config) }), {
    minLength: 1,
    maxLength: 2,
  });
  return fc.tuple(padded, unpadded).map(([n, extra]) => {
    const out: ScenarioFunction[] = Array.from({ length: n }, (_, i) => ({ name: `f${i}`, padded: true }));
    extra.forEach((u, k) =>
      out.splice(Math.min(u.after, out.length - 1) + 1, 0, { name: `nopad${k}`, padded: false, tail: u.tail }),
    );
    return out;
  });
}

/**
 * The bytes that precede a function without padding: the previous function's
 * end, positioned so that what v4's exist() reads is realistic code.
 */
function tailArbitrary(config: Configuration): fc.Arbitrary<number[]> {
  const length = Math.max(16, config.insnOffset);
  const at = length - config.insnOffset; // where exist() looks
  if (config.arch === 'x86') {
    return fc.oneof(
      // `mov $imm,%eax; ret` ending the previous function, alignment filler after it
      fc.integer({ min: 0, max: 3 }).map((imm) => place(fill(length, 0xcc), at, [0xb8, imm, 0, 0, 0, 0xc3])),
      // an ordinary tail (real dump: notrace_fn's predecessor), no B8 where exist() reads
      fc.constant(
        place(
          fill(length, 0xcc),
          length - 16,
          [0x48, 0x89, 0xf8, 0x89, 0xf7, 0x8d, 0x76, 0x01, 0xff, 0xe0, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
        ),
      ),
    );
  }
  const ret = [0xc0, 0x03, 0x5f, 0xd6];
  return fc.oneof(
    // the previous function's `ret` (exist() true, index huge)
    fc.constant(place(words(length / 4, ret), at, ret)),
    // a literal-pool word with a small value (exist() true, index small)
    fc.integer({ min: 0, max: 3 }).map((lit) => place(words(length / 4, ret), at, [lit, 0, 0, 0])),
  );
}

function commandsArbitrary(
  config: Configuration,
  suite: Suite,
  functions: readonly ScenarioFunction[],
): fc.Arbitrary<Operation[]> {
  const fn = fc.constantFrom(...functions.map((f) => f.name));
  const paddedFn = fc.constantFrom(...functions.filter((f) => f.padded).map((f) => f.name));
  const single: fc.WeightedArbitrary<Operation>[] = [
    {
      weight: 2,
      arbitrary: fn.map((f): Operation =>
        suite.stalePointers ? { op: 'put', fn: f, stale: true } : { op: 'put', fn: f },
      ),
    },
    { weight: 2, arbitrary: fn.map((f): Operation => ({ op: 'put_by_ip', fn: f })) },
    { weight: 2, arbitrary: fn.map((f): Operation => ({ op: 'find', fn: f })) },
  ];
  // the fault of a fault suite comes as often as the calls it disturbs
  if (suite.ops.includes('fail_alloc'))
    single.push({ weight: 3, arbitrary: fc.constant<Operation>({ op: 'fail_alloc' }) });
  const extraBlocks: fc.WeightedArbitrary<Operation[]>[] = [];
  if (suite.foreign) {
    const bytes = foreignBytes(config, suite.foreign);
    const write = fc.tuple(paddedFn, bytes).map(([f, b]): Operation => ({ op: 'foreign_write', fn: f, bytes: b }));
    single.push({ weight: 4, arbitrary: write });
    // a fault that lands on a function just attached, so it can meet that function's put
    const attachedThenHit = fc
      .tuple(paddedFn, bytes)
      .map(([f, b]): Operation[] => [
        { op: 'lock' },
        { op: 'get', fn: f },
        { op: 'unlock' },
        { op: 'foreign_write', fn: f, bytes: b },
      ]);
    extraBlocks.push({ weight: 2, arbitrary: attachedThenHit });
  }
  return suite.keepsLockContract
    ? contractCommands(suite, functions, single, extraBlocks)
    : freeCommands(functions, single);
}

/** Lock misuse: well-formed blocks mixed with bare lock/unlock/get, so misuse can come after real state. */
function freeCommands(
  functions: readonly ScenarioFunction[],
  single: readonly fc.WeightedArbitrary<Operation>[],
): fc.Arbitrary<Operation[]> {
  const fn = fc.constantFrom(...functions.map((f) => f.name));
  const misuse = fc.oneof(
    fc.constant<Operation>({ op: 'lock' }),
    fc.constant<Operation>({ op: 'unlock' }),
    fn.map((f): Operation => ({ op: 'get', fn: f })),
  );
  const block = fc.oneof(
    { weight: 3, arbitrary: getBlock(fn, fc.constant<Operation[]>([])) },
    { weight: 3, arbitrary: fc.oneof(...single).map((c) => [c]) },
    { weight: 1, arbitrary: misuse.map((c) => [c]) },
  );
  return fc.array(block, { maxLength: 10 }).map((blocks) => blocks.flat());
}

function contractCommands(
  suite: Suite,
  functions: readonly ScenarioFunction[],
  single: readonly fc.WeightedArbitrary<Operation>[],
  extraBlocks: readonly fc.WeightedArbitrary<Operation[]>[] = [],
): fc.Arbitrary<Operation[]> {
  const fn = fc.constantFrom(...functions.map((f) => f.name));
  // put-under-lock: a put or put_by_ip may come before the unlock
  const inside = suite.putUnderLock
    ? fc.array(fc.oneof(single[0].arbitrary, single[1].arbitrary), { maxLength: 1 })
    : fc.constant<Operation[]>([]);
  const block = fc.oneof(
    { weight: 3, arbitrary: getBlock(fn, inside) },
    { weight: 4, arbitrary: fc.oneof(...single).map((c) => [c]) },
    ...extraBlocks,
  );
  return fc.array(block, { maxLength: 10 }).map((blocks) => blocks.flat());
}

function foreignBytes(config: Configuration, kind: 'bytes' | 'insn'): fc.Arbitrary<number[]> {
  if (kind === 'insn') {
    return fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(0x7fffffff)).map((i) => encodeInsn(config.arch, i));
  }
  if (config.arch === 'x86') {
    return fc.constantFrom(
      [0xcc, 0xcc, 0xcc, 0xcc, 0xcc], // int3 fill
      [0x0f, 0x1f, 0x44, 0x00, 0x00], // nopl 0x0(%rax,%rax,1) from another patcher
      [0xe8, 0x00, 0x00, 0x00, 0x00], // a call
      [0x90, 0x90, 0x90, 0x90, 0x90], // NOPs written back by someone else
    );
  }
  return fc.constantFrom(
    [0x1f, 0x20, 0x03, 0xd5], // NOP written back by someone else
    [0xc0, 0x03, 0x5f, 0xd6], // ret
    [0x00, 0x00, 0x00, 0x94], // bl
  );
}

function fill(n: number, b: number): number[] {
  return Array.from({ length: n }, () => b);
}

function words(n: number, word: readonly number[]): number[] {
  return Array.from({ length: n }, () => [...word]).flat();
}

function place(into: number[], at: number, bytes: readonly number[]): number[] {
  const out = into.slice();
  bytes.forEach((b, i) => {
    if (at + i < out.length) out[at + i] = b;
  });
  return out;
}

/** lock; get(f)…; [extra]; unlock */
function getBlock(fn: fc.Arbitrary<string>, inside: fc.Arbitrary<Operation[]>): fc.Arbitrary<Operation[]> {
  return fc
    .tuple(fc.array(fn, { minLength: 1, maxLength: 3 }), inside)
    .map(([fs, extra]): Operation[] => [
      { op: 'lock' },
      ...fs.map((f): Operation => ({ op: 'get', fn: f })),
      ...extra,
      { op: 'unlock' },
    ]);
}
