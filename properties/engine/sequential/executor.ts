import { runSequential } from '../../../impl/kernel/run.ts';
import type { Op } from '../../../impl/kernel/types.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import { Oracle, decodeWindow, hex } from '../../../model/index.ts';
import type { ModelEvent, Outcome } from '../../../model/index.ts';
import { inapplicableChecks } from '../core/checks.ts';
import type { CheckName } from '../core/checks.ts';
import type { Holdings } from '../core/holdings.ts';
import { checkFtraceSites } from '../core/ftrace-sites.ts';
import { modelEvents } from '../core/model-events.ts';
import { describeOperation, operationFn } from '../core/operations.ts';
import type { Operation } from '../core/operations.ts';
import { shapeOfFunction } from '../core/function-shapes.ts';
import type { SequentialScenario } from '../core/scenario.ts';
import { seenOn } from '../core/violation.ts';
import type { Violation } from '../core/violation.ts';
import {
  bootWorld,
  carefulPointer,
  hexAddr,
  implWindow,
  insnOffsetOf,
  mdIndex,
  modelInputOf,
  quiesce,
} from '../core/world.ts';
import type { World } from '../core/world.ts';
import { SequentialCaller } from './caller.ts';
import { checkPages } from './pages-check.ts';
import { checkReaders } from './reader-check.ts';
import type { SequentialWorld } from './sequential-world.ts';
import { suiteByName } from './suites.ts';

/** One executed command with what the model expected and what the implementation did. */
export interface ExecutedStep {
  readonly command: Operation;
  readonly call: string;
  readonly expected: string;
  readonly actual: string;
  /** the window the command is about, before and after, and what the model expects there */
  readonly window?: {
    readonly fn: string;
    readonly offset: number;
    readonly before: string;
    readonly after: string;
    readonly model: string;
  };
}

export interface Execution {
  readonly scenario: SequentialScenario;
  /** the commands that actually ran (skipped ones are dropped): the counterexample */
  readonly executed: readonly Operation[];
  readonly steps: readonly ExecutedStep[];
  readonly violation: Violation | null;
}

export interface ExecuteOptions {
  /** model transition → times taken, counted into */
  readonly coverage?: Map<string, number>;
}

/** Run a scenario's commands against the model and the implementation, checking after each. */
export function execute(scenario: SequentialScenario, impl: Implementation, opts: ExecuteOptions = {}): Execution {
  const suite = suiteByName(scenario.suite);
  const oracle = new Oracle(modelInputOf(scenario, impl), opts.coverage);
  let booted: World;
  try {
    booted = bootWorld(scenario, impl);
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err);
    return {
      scenario,
      executed: [],
      steps: [],
      violation: { check: 'crash', at: -1, message: `create() threw ${what}` },
    };
  }
  const world: SequentialWorld = { ...booted, oracle };
  // checks that do not apply to what the implementation declares are not made (and reported as not applicable)
  const skipped = new Set<CheckName>(
    inapplicableChecks('sequential', world.declares, [world.config.options.arch]).map((c) => c.check),
  );
  const applies = (check: CheckName): boolean => !skipped.has(check);
  const caller = new SequentialCaller(suite, world.declares.locking);
  const executed: Operation[] = [];
  const steps: ExecutedStep[] = [];
  const cursor = { writes: 0, warnings: 0, violations: 0, count: world.store.inspect().count };
  const done = (violation: Violation | null): Execution => ({
    scenario,
    executed,
    steps,
    violation: seenOn(violation, impl.name),
  });

  // I10 is a property of the booted text and the arch code, not of the operations: it is checked
  // once per configuration, in the suite without faults, so it hides nothing the others find
  const boot =
    (applies('I10') && !suite.faulty ? checkFtraceSites(world) : null) ??
    (applies('window') ? checkWindows(world, -1) : null);
  if (boot) return done(boot);
  for (const cmd of caller.issue(scenario.commands)) {
    const fn = operationFn(cmd);
    if (fn !== null && !world.ip.has(fn)) continue;
    if (!caller.allows(cmd, (f) => world.windows.has(f), world.oracle.context.pendingAllocFailures)) continue;
    const at = executed.length;
    executed.push(cmd);
    const before = fn ? implWindow(world, fn) : [];
    const windowsBefore = world.oracle.context.windows;
    // the implementation first: under 'any-free' the model judges the slot it chose by relation
    const impl = runImpl(cmd, world, caller.holdings);
    const chosen = cmd.op === 'get' && impl.ok && impl.value ? mdIndex(world, impl.value) : null;
    const observedIndex = chosen !== null && 'index' in chosen ? chosen.index : undefined;
    const observedNull = cmd.op === 'get' && impl.ok && !impl.value;
    const model = world.oracle.step(toEvent(cmd, caller.holdings, observedIndex, observedNull));
    const warnSites = world.kernel.warnings.slice(cursor.warnings).map((w) => w.site);
    cursor.warnings = world.kernel.warnings.length;
    steps.push(record(world, cmd, fn, before, model.outcome, model.violation, impl, warnSites));

    const detail = { op: cmd.op, ...(fn ? { fn } : {}) };
    if (model.violation) {
      const implSays = impl.ok ? 'the implementation returned normally' : `the implementation: ${impl.error}`;
      const contract = model.state === 'deadlocked' ? 'self-deadlock' : 'misuse';
      return done({
        check: 'contract',
        at,
        message: `${model.violation}; ${implSays}`,
        ...(fn ? { fn } : {}),
        detail: { ...detail, contract },
      });
    }
    if (!impl.ok && impl.crashed) {
      return done({
        check: 'crash',
        at,
        message: `the implementation ${impl.error} in \`${describeOperation(cmd)}\``,
        detail,
      });
    }
    if (!impl.ok) {
      return done({
        check: 'deadlock',
        at,
        message: `the model expected progress; the implementation: ${impl.error}`,
        detail: { ...detail, ...(impl.lock !== undefined ? { lock: impl.lock } : {}) },
      });
    }
    // memory safety first: a use-after-free explains whatever disagreement follows it
    const v =
      checkMemorySafety(world, cursor, at) ??
      checkResult(world, cmd, model.outcome, impl.value, warnSites, at) ??
      (applies('I7') ? checkAvailability(world, scenario, model.outcome, at) : null) ??
      (applies('window') ? checkWindows(world, at) : null) ??
      (applies('I6') ? checkWrites(world, cursor, windowsBefore, at) : null) ??
      checkInvariants(world, cursor, at, applies('I3'), applies('I11')) ??
      checkReaders(world, at) ??
      checkPages(world, at);
    if (v) return done({ ...v, detail: { ...detail, ...v.detail } });
    updateHoldings(cmd, world, caller.holdings, model.outcome, impl.value);
  }
  return done(null);
}

/** The model event of a sequential command; put names the slot the caller's md came from. */
export function toEvent(cmd: Operation, holdings: Holdings, observedIndex?: number, observedNull = false): ModelEvent {
  const putIndex = cmd.op === 'put' ? holdings.latest(cmd.fn)?.index : undefined;
  const [event] = modelEvents(cmd, {
    ...(putIndex !== undefined ? { putIndex } : {}),
    ...(observedIndex !== undefined ? { observedIndex } : {}),
    ...(observedNull ? { observedNull } : {}),
  });
  if (event === undefined || modelEvents(cmd).length > 1) throw new Error(`${cmd.op} is not a sequential command`);
  return event;
}

type ImplResult = { ok: true; value: number | null } | { ok: false; error: string; crashed?: boolean; lock?: string };

function runImpl(cmd: Operation, world: SequentialWorld, holdings: Holdings): ImplResult {
  const { store, kernel } = world;
  const ip = (fn: string): number => world.ip.get(fn) ?? 0;
  const run = (op: Op<number | void>): ImplResult => {
    let r: ReturnType<typeof runSequential<number | void>>;
    try {
      r = runSequential(kernel, op);
    } catch (err) {
      return { ok: false, error: `threw ${err instanceof Error ? err.message : String(err)}`, crashed: true };
    }
    if (r.ok) return { ok: true, value: typeof r.value === 'number' ? r.value : null };
    return { ok: false, error: r.deadlock, ...(r.lock !== undefined ? { lock: r.lock } : {}) };
  };
  switch (cmd.op) {
    case 'lock':
      return run(store.lock());
    case 'unlock':
      return run(store.unlock());
    case 'get':
      return run(store.get(ip(cmd.fn)));
    case 'put': {
      const held = holdings.latest(cmd.fn);
      if (!held) return { ok: true, value: null };
      return run(store.put(cmd.stale ? held.md : carefulPointer(world, cmd.fn, held)));
    }
    case 'put_by_ip':
      return run(store.putByIp(ip(cmd.fn)));
    case 'find':
      return run(store.find(ip(cmd.fn)));
    case 'fail_alloc':
      kernel.failNextAllocations(1);
      return { ok: true, value: null };
    case 'quiesce':
      return run(quiesce(kernel));
    case 'foreign_write': {
      const range = world.windows.get(cmd.fn);
      if (range) kernel.foreignWrite(range[0], cmd.bytes);
      return { ok: true, value: null };
    }
    case 'locked_get':
    case 'tramp':
      throw new Error(`${cmd.op} is not a sequential command`);
  }
}

function checkResult(
  world: SequentialWorld,
  cmd: Operation,
  outcome: Outcome | null,
  value: number | null,
  warnSites: string[],
  at: number,
): Violation | null {
  const call = describeOperation(cmd);
  const expectedWarn = outcome?.warn ?? null;
  const unexpected = warnSites.filter((s) => s !== expectedWarn);
  if (unexpected.length > 0)
    return {
      check: 'result',
      at,
      message: `${call} hit WARN_ON_ONCE (${unexpected.join(', ')}); the model expects no WARN`,
    };
  if (expectedWarn && !warnSites.includes(expectedWarn))
    return { check: 'result', at, message: `${call}: the model expects WARN ${expectedWarn}; none fired` };
  if (outcome?.op !== 'get' && outcome?.op !== 'find') return null;
  const expected = outcome.md;
  const actual = mdIndex(world, value ?? 0);
  const fnName = outcome.fn;
  if (actual !== null && 'bogus' in actual)
    return {
      check: 'result',
      at,
      fn: fnName,
      message: `${call} returned a ${actual.bogus}; the model expects ${describeMd(expected)}`,
    };
  const got = actual?.index ?? null;
  if (got === expected) return null;
  const owner = got === null ? '' : ownerNote(world, got);
  const why =
    outcome.op === 'get' && outcome.md === null
      ? ` (${outcome.result})`
      : !world.windows.has(fnName) && expected === null
        ? ` (${fnName} has no padding)`
        : '';
  return {
    check: 'result',
    at,
    fn: fnName,
    message: `${call} returned ${describeMd(got)}${owner}; the model expects ${describeMd(expected)}${why}`,
  };
}

function checkAvailability(
  world: SequentialWorld,
  scenario: SequentialScenario,
  outcome: Outcome | null,
  at: number,
): Violation | null {
  if (outcome?.op !== 'get' || outcome.result !== 'ebusy' || outcome.ebusyCause !== 'boot') return null;
  // the layout of this function's shape (spec §4.4 X5): D12 hits the functions with a kCFI preamble
  const f = scenario.functions.find((x) => x.name === outcome.fn);
  const shape = f ? shapeOfFunction(world.config, f) : null;
  const overlaps = shape?.overlaps ?? world.config.overlaps;
  const overlap = overlaps.length ? ` (${overlaps.join('; ')})` : '';
  const which =
    shape && world.config.shapes.length > 1
      ? `get fails on every function of its shape (${shape.name})`
      : 'every get fails';
  return {
    check: 'I7',
    at,
    fn: outcome.fn,
    message: `kfunc_md_get(${outcome.fn}) fails with -EBUSY on an untouched function: its md window is not free at boot${overlap}, so ${which}`,
  };
}

function checkWindows(world: SequentialWorld, at: number): Violation | null {
  const ctx = world.oracle.context;
  for (const [fn] of world.windows) {
    const actual = implWindow(world, fn);
    const expected = ctx.windows[fn] ?? [];
    if (hex(actual) !== hex(expected)) {
      return {
        check: 'window',
        at,
        fn,
        message: `md window of ${fn} at ip-${insnOffsetOf(world.config, world.declares)}: implementation ${hex(actual)}, model expects ${hex(expected)}`,
      };
    }
  }
  return null;
}

/** I6, then the poke decisions: kfunc_md writes a window only where the model's table changes it. */
function checkWrites(
  world: SequentialWorld,
  cursor: { writes: number },
  windowsBefore: Readonly<Record<string, readonly number[]>>,
  at: number,
): Violation | null {
  const writes = world.kernel.textWrites.slice(cursor.writes).filter((w) => !w.foreign);
  cursor.writes = world.kernel.textWrites.length;
  const windows = [...world.windows];
  for (const w of writes) {
    if (!windows.some(([, [s, e]]) => w.addr >= s && w.addr < e)) {
      return {
        check: 'I6',
        at,
        message: `byte ${where(world, w.addr)} changed ${byte(w.before)} → ${byte(w.after)}: outside every md window`,
      };
    }
  }
  const after = world.oracle.context.windows;
  for (const [fn, [s, e]] of windows) {
    if (!writes.some((w) => w.addr >= s && w.addr < e)) continue;
    const held = windowsBefore[fn] ?? [];
    if (hex(held) === hex(after[fn] ?? [])) {
      return {
        check: 'pokes',
        at,
        fn,
        message: `text_poke into ${fn}'s window, which already held ${hex(held)}: the decision table (spec §2.4) writes nothing there`,
      };
    }
  }
  return null;
}

function checkMemorySafety(world: SequentialWorld, cursor: { violations: number }, at: number): Violation | null {
  const fresh = world.kernel.violations.slice(cursor.violations);
  cursor.violations = world.kernel.violations.length;
  const first = fresh[0];
  return first
    ? {
        check: 'I5',
        at,
        message: `${first.kind} at ${hexAddr(first.addr ?? 0)}: ${first.note}`,
        detail: { memory: first.kind },
      }
    : null;
}

function checkInvariants(
  world: SequentialWorld,
  cursor: { count: number },
  at: number,
  readsText: boolean,
  keepsCapacity: boolean,
): Violation | null {
  const view = world.store.inspect();
  const ctx = world.oracle.context;
  // windows kfunc_md wrote (a foreign write put the others' bytes there), with their index
  const installed: { fn: string; index: number }[] = [];
  for (const [fn] of readsText ? world.windows : []) {
    if (ctx.touched[fn]) continue;
    const decoded = decodeWindow(world.config.arch, implWindow(world, fn));
    if (decoded.kind === 'insn') installed.push({ fn, index: decoded.index });
  }
  // I3 first: an index past the capacity also hides its slot from the I2 count
  for (const { fn, index } of installed) {
    if (index >= view.count || view.arrayBase === 0) {
      return {
        check: 'I3',
        at,
        fn,
        message: `${fn}'s window holds index ${index} but the capacity is ${view.arrayBase === 0 ? 'unallocated' : view.count}`,
      };
    }
  }
  const live = view.entries.filter((e) => e.users > 0).length;
  if (view.used !== live)
    return { check: 'I2', at, message: `kfunc_md_used is ${view.used} but ${live} slot(s) have users > 0` };
  for (const { fn, index } of installed) {
    // I3 above keeps index below the capacity, so the entry exists
    const entry = view.entries[index] ?? { users: 0, func: 0 };
    const ip = world.ip.get(fn);
    if (entry.func !== ip || entry.users < 1) {
      return {
        check: 'I1',
        at,
        fn,
        message: `${fn}'s window holds index ${index}, whose entry has func ${funcName(world, entry.func)} and users ${entry.users}`,
      };
    }
  }
  if (keepsCapacity && view.count < cursor.count)
    return { check: 'I11', at, message: `capacity shrank from ${cursor.count} to ${view.count}` };
  cursor.count = view.count;
  if (ctx.order !== null && (view.count !== ctx.count || view.arrayBase === 0)) {
    return {
      check: 'state',
      at,
      message: `capacity ${view.count}${view.arrayBase === 0 ? ' (no array)' : ''}; the model expects ${ctx.count}`,
      detail: { field: 'count' },
    };
  }
  if (view.used !== ctx.used)
    return {
      check: 'state',
      at,
      message: `kfunc_md_used is ${view.used}; the model expects ${ctx.used}`,
      detail: { field: 'used' },
    };
  return null;
}

function updateHoldings(
  cmd: Operation,
  world: SequentialWorld,
  holdings: Holdings,
  outcome: Outcome | null,
  value: number | null,
): void {
  if (cmd.op === 'get' && outcome?.op === 'get' && outcome.md !== null && value) {
    holdings.gotMd(cmd.fn, { md: value, base: world.store.inspect().arrayBase, index: outcome.md });
  }
  if (cmd.op === 'put' || cmd.op === 'put_by_ip') holdings.droppedRef(cmd.fn);
  if (cmd.op === 'lock') holdings.locked = true;
  if (cmd.op === 'unlock') holdings.locked = false;
}

function record(
  world: SequentialWorld,
  cmd: Operation,
  fn: string | null,
  before: number[],
  outcome: Outcome | null,
  violation: string | null,
  impl: ImplResult,
  warnSites: string[],
): ExecutedStep {
  const expected = violation ? `model stops: ${violation}` : describeOutcome(outcome);
  const warn = warnSites.length ? ` WARN(${warnSites.join(',')})` : '';
  const actual = !impl.ok ? impl.error : describeActual(world, cmd, impl.value) + warn;
  const base = { command: cmd, call: describeOperation(cmd), expected, actual };
  if (!fn || !world.windows.has(fn)) return base;
  return {
    ...base,
    window: {
      fn,
      offset: insnOffsetOf(world.config, world.declares),
      before: hex(before),
      after: hex(implWindow(world, fn)),
      model: hex(world.oracle.context.windows[fn] ?? []),
    },
  };
}

function describeOutcome(o: Outcome | null): string {
  if (!o) return '-';
  switch (o.op) {
    case 'get':
      return o.md === null ? `NULL (${o.result})` : `md #${o.md} (${o.result})`;
    case 'find':
      return describeMd(o.md);
    case 'put':
    case 'put_by_ip':
      return `${o.result}${o.restored ? ', NOPs restored' : ''}${o.warn ? `, WARN(${o.warn})` : ''}`;
    case 'lock':
    case 'unlock':
    case 'fail-alloc':
    case 'foreign-write':
    case 'grace':
      return 'ok';
  }
}

function describeActual(world: SequentialWorld, cmd: Operation, value: number | null): string {
  if (cmd.op !== 'get' && cmd.op !== 'find') return 'returned';
  const idx = mdIndex(world, value ?? 0);
  if (idx === null) return 'NULL';
  return 'bogus' in idx ? idx.bogus : `md #${idx.index}`;
}

function describeMd(index: number | null): string {
  return index === null ? 'NULL' : `md #${index}`;
}

function ownerNote(world: SequentialWorld, index: number): string {
  const entry = world.store.inspect().entries[index];
  return entry ? ` (entry func ${funcName(world, entry.func)}, users ${entry.users})` : '';
}

function funcName(world: SequentialWorld, addr: number): string {
  return world.nameAt.get(addr) ?? hexAddr(addr);
}

function where(world: SequentialWorld, addr: number): string {
  let best: { name: string; d: number } | null = null;
  for (const f of world.kernel.functions) {
    const d = f.ip - addr;
    if (d > 0 && (!best || d < best.d)) best = { name: f.name, d };
  }
  return best ? `${best.name} ip-${best.d} (${hexAddr(addr)})` : hexAddr(addr);
}

function byte(b: number): string {
  return b.toString(16).padStart(2, '0');
}
