import fc from 'fast-check';
import { DEFAULT_PADDING_PARAMS, kcfiMov, le32 } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { encodeInsn, nopPattern } from '../../../model/index.ts';
import type { Operation } from '../core/operations.ts';
import { paddingSources, shiftsOf, windowOf } from '../core/padding-bytes.ts';
import { withShapeFunctions } from '../core/function-shapes.ts';
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

/**
 * f0..f(n-1) are ordinary functions; every scenario also boots the configuration's other-shaped
 * functions after them (core/function-shapes.ts: `static0` without a kCFI preamble under CFI_CLANG,
 * `indirect0` without a thunk where thunks are active).
 */
function functionsArbitrary(config: Configuration, suite: Suite): fc.Arbitrary<ScenarioFunction[]> {
  return ordinaryFunctionsArbitrary(config, suite).map((fns) => withShapeFunctions(config, fns));
}

function ordinaryFunctionsArbitrary(config: Configuration, suite: Suite): fc.Arbitrary<ScenarioFunction[]> {
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
  return fc.array(thenMaybeQuiesce(block), { maxLength: 10 }).map((blocks) => blocks.flat());
}

/**
 * A block, sometimes followed by `quiesce` (grace periods end, deferred work runs: what a design
 * frees by RCU is freed now). Appended rather than drawn as a block of its own, so that it does not
 * crowd out the calls: a scenario has as many gets and puts with it as without it.
 */
function thenMaybeQuiesce(block: fc.Arbitrary<Operation[]>): fc.Arbitrary<Operation[]> {
  const quiesce = fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  return fc.tuple(block, quiesce).map(([b, q]) => (q ? [...b, { op: 'quiesce' } satisfies Operation] : b));
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
  return fc.array(thenMaybeQuiesce(block), { maxLength: 10 }).map((blocks) => blocks.flat());
}

function foreignBytes(config: Configuration, kind: 'bytes' | 'insn'): fc.Arbitrary<number[]> {
  if (kind === 'insn') return forgedInsn(config);
  const random = fc.array(fc.integer({ min: 0, max: 0xff }), {
    minLength: config.insnSize,
    maxLength: config.insnSize,
  });
  // random bytes stay, as one class among the real ones; shrinking tries a real string in their place
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 5, arbitrary: realWindow(config, config.insnSize) },
    { weight: 1, arbitrary: random },
  );
}

/** A real byte string (padding-bytes.ts) as `size` window bytes see it: whole, a fragment, or over an edge. */
function realWindow(config: Configuration, size: number): fc.Arbitrary<number[]> {
  return fc
    .constantFrom(...paddingSources(config.arch))
    .chain((s) => fc.constantFrom(...shiftsOf(s, size)).map((shift) => windowOf(s, shift, size)));
}

/**
 * Index instructions a kernel could hold that kfunc_md did not write there: the right encoding
 * with an index in range (another function's, or the one get is about to choose), out of range,
 * or read from a kCFI hash; and the near-misses a loose decoder would take for one.
 */
function forgedInsn(config: Configuration): fc.Arbitrary<number[]> {
  const capacity = SUITE_GEOMETRY.entriesPerPage * 2 ** SUITE_GEOMETRY.maxOrder;
  const inRange = fc.integer({ min: 0, max: capacity - 1 });
  const outOfRange = fc.oneof(
    fc.integer({ min: capacity, max: capacity + 3 }),
    fc.constantFrom(0x7fffffff, 0xffffffff, DEFAULT_PADDING_PARAMS.kcfiHash),
  );
  const index = fc.oneof({ weight: 2, arbitrary: inRange }, { weight: 1, arbitrary: outOfRange });
  const exact = index.map((i) => encodeInsn(config.arch, i));
  return fc.oneof({ weight: 3, arbitrary: exact }, { weight: 2, arbitrary: nearMiss(config, index) });
}

function nearMiss(config: Configuration, index: fc.Arbitrary<number>): fc.Arbitrary<number[]> {
  if (config.arch === 'x86') {
    const opcode = encodeInsn('x86', 0)[0];
    return fc.oneof(
      // a kCFI-arity neighbour's opcode (B9..BF) carrying an index
      fc.tuple(index, fc.integer({ min: 1, max: 7 })).map(([i, reg]) => kcfiMov(i, reg)),
      // the B8 survives, a FineIBT / kCFI / thunk neighbour's bytes took the index's place
      realWindow(config, config.insnSize - 1).map((tail) => [opcode, ...tail]),
      // text_poke_bp's int3 over the opcode, the index behind it
      index.map((i) => [0xcc, ...le32(i)]),
      // text_poke copies byte by byte (spec §6): an install cut short leaves a head, NOPs after it
      fc
        .tuple(index, fc.integer({ min: 1, max: config.insnSize - 1 }))
        .map(([i, k]) => [...encodeInsn('x86', i).slice(0, k), ...nopPattern('x86').slice(k)]),
    );
  }
  // one aligned 32-bit store (spec §5): no torn words; every non-NOP word reads as an index
  return fc.oneof(
    realWindow(config, config.insnSize),
    // an index in the low half, other bits above it
    fc
      .tuple(index, fc.constantFrom(0x0001, 0x00ff, 0x8000, 0xffff))
      .map(([i, hi]) => le32(((hi << 16) | (i & 0xffff)) >>> 0)),
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
