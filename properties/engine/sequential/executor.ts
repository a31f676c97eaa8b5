import { runSequential } from '../../../impl/kernel/run.ts';
import type { Op } from '../../../impl/kernel/types.ts';
import type { StoreFactory } from '../../../impl/contract/index.ts';
import { decodeWindow, hex } from '../../../model/index.ts';
import type { ModelEvent, Outcome, SlotPolicy } from '../../../model/index.ts';
import { Caller } from '../core/holdings.ts';
import type { Violation } from '../core/checks.ts';
import { describeCommand } from '../core/operations.ts';
import { checkPages } from './pages-check.ts';
import { checkReaders } from './reader-check.ts';
import type { Command } from '../core/operations.ts';
import type { Scenario } from '../core/scenario.ts';
import { suiteByName } from './suites.ts';
import { buildWorld, hexAddr, implWindow, mdIndex } from '../core/world.ts';
import type { World } from '../core/world.ts';

/** One executed command with what the model expected and what the implementation did. */
export interface ExecutedStep {
  readonly command: Command;
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
  readonly scenario: Scenario;
  /** the commands that actually ran (skipped ones are dropped): the counterexample */
  readonly executed: readonly Command[];
  readonly steps: readonly ExecutedStep[];
  readonly violation: Violation | null;
}

export interface ExecuteOptions {
  readonly slotPolicy?: SlotPolicy;
  readonly coverage?: Map<string, number>;
}

/** Run a scenario's commands against the model and the implementation, checking after each. */
export function execute(scenario: Scenario, factory: StoreFactory, opts: ExecuteOptions = {}): Execution {
  const suite = suiteByName(scenario.suite);
  const world = buildWorld(scenario, factory, {
    ...(opts.slotPolicy ? { slotPolicy: opts.slotPolicy } : {}),
    ...(opts.coverage ? { coverage: opts.coverage } : {}),
  });
  const caller = new Caller(suite);
  const executed: Command[] = [];
  const steps: ExecutedStep[] = [];
  const cursor = { writes: 0, warnings: 0, violations: 0, count: world.store.inspect().count };
  const done = (violation: Violation | null): Execution => ({ scenario, executed, steps, violation });

  const boot = checkWindows(world, -1);
  if (boot) return done(boot);
  for (const cmd of scenario.commands) {
    if (!world.ip.has(fnOf(cmd) ?? world.kernel.functions[0]?.name ?? '')) continue;
    if (!caller.allows(cmd, (fn) => world.windows.has(fn), world.oracle.context.pendingAllocFailures)) continue;
    const at = executed.length;
    executed.push(cmd);
    const fn = fnOf(cmd);
    const before = fn ? implWindow(world, fn) : [];
    const event = toEvent(cmd, caller);
    const windowsBefore = world.oracle.context.windows;
    const model = world.oracle.step(event);
    const impl = runImpl(cmd, world, caller);
    const warnSites = world.kernel.warnings.slice(cursor.warnings).map((w) => w.site);
    cursor.warnings = world.kernel.warnings.length;
    steps.push(record(world, cmd, fn, before, model.outcome, model.violation, impl, warnSites));

    if (model.violation) {
      const implSays = impl.ok ? 'the implementation returned normally' : `the implementation: ${impl.error}`;
      return done({ check: 'contract', at, message: `${model.violation}; ${implSays}`, ...(fn ? { fn } : {}) });
    }
    if (!impl.ok && impl.crashed)
      return done({ check: 'crash', at, message: `the implementation ${impl.error} in \`${describeCommand(cmd)}\`` });
    if (!impl.ok)
      return done({ check: 'deadlock', at, message: `the model expected progress; the implementation: ${impl.error}` });
    // memory safety first: a use-after-free explains whatever disagreement follows it
    const v =
      checkMemorySafety(world, cursor, at) ??
      checkResult(world, cmd, model.outcome, impl.value, warnSites, at) ??
      checkAvailability(world, model.outcome, at) ??
      checkWindows(world, at) ??
      checkWrites(world, cursor, windowsBefore, at) ??
      checkInvariants(world, cursor, at) ??
      checkReaders(world, at) ??
      checkPages(world, at);
    if (v) return done(v);
    updateCaller(cmd, world, caller, model.outcome, impl.value);
  }
  return done(null);
}

function fnOf(cmd: Command): string | null {
  return 'fn' in cmd ? cmd.fn : null;
}

/** The model event for a command; put names the slot the caller's md came from. */
export function toEvent(cmd: Command, caller: Caller): ModelEvent {
  switch (cmd.op) {
    case 'lock':
      return { type: 'LOCK' };
    case 'unlock':
      return { type: 'UNLOCK' };
    case 'get':
      return { type: 'GET', fn: cmd.fn };
    case 'put':
      return { type: 'PUT', index: caller.held.get(cmd.fn)!.index };
    case 'put_by_ip':
      return { type: 'PUT_BY_IP', fn: cmd.fn };
    case 'find':
      return { type: 'FIND', fn: cmd.fn };
    case 'fail_alloc':
      return { type: 'FAIL_ALLOC' };
    case 'foreign_write':
      return { type: 'FOREIGN_WRITE', fn: cmd.fn, bytes: cmd.bytes };
  }
}

type ImplResult = { ok: true; value: number | null } | { ok: false; error: string; crashed?: boolean };

function runImpl(cmd: Command, world: World, caller: Caller): ImplResult {
  const { store, kernel } = world;
  const ip = (fn: string) => world.ip.get(fn)!;
  const run = (op: Op<number | void>): ImplResult => {
    let r: ReturnType<typeof runSequential<number | void>>;
    try {
      r = runSequential(kernel, op);
    } catch (err) {
      return { ok: false, error: `threw ${err instanceof Error ? err.message : String(err)}`, crashed: true };
    }
    return r.ok ? { ok: true, value: typeof r.value === 'number' ? r.value : null } : { ok: false, error: r.deadlock };
  };
  switch (cmd.op) {
    case 'lock':
      return run(store.lock());
    case 'unlock':
      return run(store.unlock());
    case 'get':
      return run(store.get(ip(cmd.fn)));
    case 'put': {
      const held = caller.held.get(cmd.fn)!;
      // a careful caller rebases its pointer onto the current array; a stale one does not (D6)
      const base = store.inspect().arrayBase;
      const md = cmd.stale || base === 0 ? held.md : base + (held.md - held.base);
      return run(store.put(md));
    }
    case 'put_by_ip':
      return run(store.putByIp(ip(cmd.fn)));
    case 'find':
      return run(store.find(ip(cmd.fn)));
    case 'fail_alloc':
      kernel.pages.failNextAllocations(1);
      return { ok: true, value: null };
    case 'foreign_write': {
      const range = world.windows.get(cmd.fn)!;
      kernel.foreignWrite(range[0], cmd.bytes);
      return { ok: true, value: null };
    }
  }
}

function checkResult(
  world: World,
  cmd: Command,
  outcome: Outcome | null,
  value: number | null,
  warnSites: string[],
  at: number,
): Violation | null {
  const call = describeCommand(cmd);
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

function checkAvailability(world: World, outcome: Outcome | null, at: number): Violation | null {
  if (outcome?.op !== 'get' || outcome.result !== 'ebusy' || outcome.ebusyCause !== 'boot') return null;
  const overlap = world.config.overlaps.length ? ` (${world.config.overlaps.join('; ')})` : '';
  return {
    check: 'I7',
    at,
    fn: outcome.fn,
    message: `kfunc_md_get(${outcome.fn}) fails with -EBUSY on an untouched function: its md window is not free at boot${overlap}, so every get fails`,
  };
}

function checkWindows(world: World, at: number): Violation | null {
  const ctx = world.oracle.context;
  for (const [fn] of world.windows) {
    const actual = implWindow(world, fn);
    const expected = ctx.windows[fn] ?? [];
    if (hex(actual) !== hex(expected)) {
      return {
        check: 'window',
        at,
        fn,
        message: `md window of ${fn} at ip-${world.config.insnOffset}: implementation ${hex(actual)}, model expects ${hex(expected)}`,
      };
    }
  }
  return null;
}

/** I6, then the poke decisions: kfunc_md writes a window only where the model's table changes it. */
function checkWrites(
  world: World,
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

function checkMemorySafety(world: World, cursor: { violations: number }, at: number): Violation | null {
  const fresh = world.kernel.violations.slice(cursor.violations);
  cursor.violations = world.kernel.violations.length;
  const first = fresh[0];
  return first ? { check: 'I5', at, message: `${first.kind} at ${hexAddr(first.addr ?? 0)}: ${first.note}` } : null;
}

function checkInvariants(world: World, cursor: { count: number }, at: number): Violation | null {
  const view = world.store.inspect();
  const ctx = world.oracle.context;
  // windows kfunc_md wrote (a foreign write put the others' bytes there), with their index
  const installed: { fn: string; index: number }[] = [];
  for (const [fn] of world.windows) {
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
    const entry = view.entries[index];
    const ip = world.ip.get(fn)!;
    if (entry.func !== ip || entry.users < 1) {
      return {
        check: 'I1',
        at,
        fn,
        message: `${fn}'s window holds index ${index}, whose entry has func ${funcName(world, entry.func)} and users ${entry.users}`,
      };
    }
  }
  if (view.count < cursor.count)
    return { check: 'I11', at, message: `capacity shrank from ${cursor.count} to ${view.count}` };
  cursor.count = view.count;
  if (ctx.order !== null && (view.count !== ctx.count || view.arrayBase === 0)) {
    return {
      check: 'state',
      at,
      message: `capacity ${view.count}${view.arrayBase === 0 ? ' (no array)' : ''}; the model expects ${ctx.count}`,
    };
  }
  if (view.used !== ctx.used)
    return { check: 'state', at, message: `kfunc_md_used is ${view.used}; the model expects ${ctx.used}` };
  return null;
}

function updateCaller(cmd: Command, world: World, caller: Caller, outcome: Outcome | null, value: number | null): void {
  if (cmd.op === 'get' && outcome?.op === 'get' && outcome.md !== null && value) {
    caller.gotMd(cmd.fn, value, world.store.inspect().arrayBase, outcome.md);
  }
  if (cmd.op === 'put' || cmd.op === 'put_by_ip') caller.droppedRef(cmd.fn);
  if (cmd.op === 'lock') caller.locked = true;
  if (cmd.op === 'unlock') caller.locked = false;
}

function record(
  world: World,
  cmd: Command,
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
  const base = { command: cmd, call: describeCommand(cmd), expected, actual };
  if (!fn || !world.windows.has(fn)) return base;
  return {
    ...base,
    window: {
      fn,
      offset: world.config.insnOffset,
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
    default:
      return 'ok';
  }
}

function describeActual(world: World, cmd: Command, value: number | null): string {
  if (cmd.op !== 'get' && cmd.op !== 'find') return 'returned';
  const idx = mdIndex(world, value ?? 0);
  if (idx === null) return 'NULL';
  return 'bogus' in idx ? idx.bogus : `md #${idx.index}`;
}

function describeMd(index: number | null): string {
  return index === null ? 'NULL' : `md #${index}`;
}

function ownerNote(world: World, index: number): string {
  const entry = world.store.inspect().entries[index];
  return entry ? ` (entry func ${funcName(world, entry.func)}, users ${entry.users})` : '';
}

function funcName(world: World, addr: number): string {
  return world.nameAt.get(addr) ?? hexAddr(addr);
}

function where(world: World, addr: number): string {
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
