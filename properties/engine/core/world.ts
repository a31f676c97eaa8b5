import { declarationsOf, reuseOf } from '../../../impl/contract/index.ts';
import type { Declarations, Implementation, KfuncMdStore, EntryLayout } from '../../../impl/contract/index.ts';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import type { Kernel } from '../../../impl/kernel/kernel.ts';
import { DEFAULT_PADDING_PARAMS, configurationByName, paddingImage } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import type { Design, ModelInput, SlotPolicy } from '../../../model/index.ts';
import type { Op } from '../../../impl/kernel/types.ts';
import type { FunctionSpec } from '../../../impl/kernel/spec.ts';
import { kernelFacts, shapeOfFunction } from './function-shapes.ts';
import type { ScenarioFunction, Setup } from './scenario.ts';

/**
 * One booted kernel with an implementation's store on it, and the maps the checks need: the
 * same for both drivers. The model is not part of it: the sequential driver steps an oracle
 * beside it, the concurrent one judges the history afterwards.
 */
export interface World {
  readonly config: Configuration;
  readonly impl: Implementation;
  /** what the implementation declares on this configuration */
  readonly declares: Declarations;
  readonly kernel: Kernel;
  readonly store: KfuncMdStore;
  /** struct kfunc_md as the store reports it (inspect().layout): the harness assumes no layout */
  readonly layout: EntryLayout;
  /** function name → entry address in the implementation's text */
  readonly ip: ReadonlyMap<string, number>;
  /** entry address → function name */
  readonly nameAt: ReadonlyMap<number, string>;
  /** [start, end) of every padded function's md window, at the configuration's (model's) offsets */
  readonly windows: ReadonlyMap<string, readonly [number, number]>;
  /**
   * A design with no index in the text (a hash table) has no slot numbers, and may re-create an md
   * at another address (jul25's resize): its md for a function is named by a number per function,
   * given here in the order the harness first sees the functions' mds.
   */
  readonly mdIds: Map<string, number>;
}

/** per implementation, per configuration: a design's struct may differ by configuration (may25: 64 or 96 bytes) */
const layouts = new WeakMap<Implementation, Map<string, EntryLayout>>();

/**
 * struct kfunc_md's layout, read from the implementation's own inspect() on a probe kernel: the
 * page size of a scenario is ENTRIES_PER_PAGE × its size, so the layout is needed before boot.
 * The probe boots the setup's configuration and functions (with 4 KiB pages), so a create()
 * that looks its functions up finds them; the layout is read once per implementation.
 */
export function entryLayoutOf(impl: Implementation, setup: Setup): EntryLayout {
  let byConfig = layouts.get(impl);
  if (!byConfig) {
    byConfig = new Map();
    layouts.set(impl, byConfig);
  }
  let layout = byConfig.get(setup.config);
  if (!layout) {
    const probe = createKernel({
      options: configurationByName(setup.config).options,
      functions: setup.functions.map(functionSpecOf),
      pageSize: 4096,
      maxOrder: 0,
    });
    layout = impl.create(probe).inspect().layout;
    byConfig.set(setup.config, layout);
  }
  return layout;
}

/**
 * PAGE_SIZE for a setup: the smallest power of two holding `entriesPerPage` of the
 * implementation's entries (exactly entriesPerPage × 16 for v4's 16-byte struct).
 */
export function pageSizeFor(setup: Setup, impl: Implementation): number {
  const bytes = Math.max(16, setup.entriesPerPage * entryLayoutOf(impl, setup).size);
  return 2 ** Math.ceil(Math.log2(bytes));
}

/** ENTRIES_PER_PAGE = PAGE_SIZE / sizeof(struct kfunc_md) as the implementation will compute it. */
export function entriesPerPageFor(setup: Setup, impl: Implementation): number {
  return Math.floor(pageSizeFor(setup, impl) / entryLayoutOf(impl, setup).size);
}

/** The kernel's FunctionSpec for a scenario function: its padding, the bytes before it, its shape facts. */
function functionSpecOf(f: ScenarioFunction): FunctionSpec {
  return { name: f.name, padded: f.padded, ...(f.tail ? { tail: f.tail } : {}), ...kernelFacts(f) };
}

export function bootWorld(setup: Setup, impl: Implementation): World {
  const config = configurationByName(setup.config);
  const layout = entryLayoutOf(impl, setup);
  const kernel = createKernel({
    options: config.options,
    functions: setup.functions.map(functionSpecOf),
    pageSize: pageSizeFor(setup, impl),
    maxOrder: setup.maxOrder,
    ...(setup.pokeByteOrder ? { pokeByteOrder: setup.pokeByteOrder } : {}),
  });
  const ip = new Map(kernel.functions.map((f) => [f.name, f.ip] as const));
  const nameAt = new Map(kernel.functions.map((f) => [f.ip, f.name] as const));
  const declares = declarationsOf(impl, config.options);
  const offset = insnOffsetOf(config, declares);
  const windows = new Map<string, readonly [number, number]>();
  for (const f of kernel.functions) {
    if (f.padded) windows.set(f.name, [f.ip - offset, f.ip - offset + config.insnSize]);
  }
  const store = impl.create(kernel);
  return { config, impl, declares, kernel, store, layout, ip, nameAt, windows, mdIds: new Map() };
}

/**
 * What a reader may see in the md it reached: func == ip and users ≥ 1; in a design with no index
 * in the text (a hash table) also users == 0. Such a design never hands an md object to another
 * function while a reader can reach it (a new object each time, freed after a grace period), so a
 * reader that meets users == 0 with func == ip only raced with the last put of the md it looked up;
 * in an array design the same state is the first visible step of a slot's reuse (D1).
 */
export function readerMaySee(
  world: World,
  fn: string,
  view: { readonly func: number; readonly users: number },
): boolean {
  const floor = world.declares.index === 'none' ? 0 : 1;
  return view.func === world.ip.get(fn) && view.users >= floor;
}

/** Where a design's md instruction starts before ip on a configuration: its own offset, or the configuration's. */
export function insnOffsetOf(config: Configuration, d: Declarations): number {
  return d.insnOffset ?? config.insnOffset;
}

/** The model's parameters for what a design declares (spec §10: the version is a parameter). */
export function designOf(d: Declarations): Design {
  return {
    storage: d.index === 'none' ? 'hash' : 'padding',
    reuse: reuseOf(d),
    allocates: d.allocates ?? 'array',
    growthLimit: d.arrayFrom === 'kvmalloc' ? 'none' : 'max-order',
    maxOrderWarns: d.arrayFrom !== 'kvmalloc' && (d.pastMaxOrder ?? 'asks-allocator') === 'asks-allocator',
    locking: { get: d.locking.get, put: d.locking.put, putByIp: d.locking.put_by_ip },
  };
}

/** The model's input for an implementation on a setup: its design, slot policy and ENTRIES_PER_PAGE. */
export function modelInputOf(setup: Setup, impl: Implementation): ModelInput {
  const d = declarationsOf(impl, configurationByName(setup.config).options);
  return modelInputFor(
    { ...setup, entriesPerPage: entriesPerPageFor(setup, impl) },
    d.slotPolicy,
    designOf(d),
    d.insnOffset,
  );
}

/**
 * The model's input for a setup: every padded window holds the boot bytes of its function's shape
 * (a static without a kCFI preamble has no FineIBT over it, a function never called directly no thunk).
 */
export function modelInputFor(setup: Setup, slotPolicy: SlotPolicy, design?: Design, insnOffset?: number): ModelInput {
  const config = configurationByName(setup.config);
  const start = config.paddingBytes - (insnOffset ?? config.insnOffset);
  const bootWindow = (f: ScenarioFunction): number[] => [
    ...paddingImage(config, DEFAULT_PADDING_PARAMS, shapeOfFunction(config, f)).slice(start, start + config.insnSize),
  ];
  return {
    arch: config.arch,
    entriesPerPage: setup.entriesPerPage,
    maxOrder: setup.maxOrder,
    slotPolicy,
    ...(design ? { design } : {}),
    functions: setup.functions.map((f) => ({ name: f.name, padded: f.padded, window: f.padded ? bootWindow(f) : [] })),
  };
}

/** The bytes of fn's md window as the implementation's text holds them now. */
export function implWindow(world: World, fn: string): number[] {
  const range = world.windows.get(fn);
  if (!range) return [];
  return [...world.kernel.mem.peekBytes(range[0], range[1] - range[0])];
}

/** Turn an md pointer from the implementation into a slot index of its current array, or describe why not. */
export function mdIndex(world: World, md: number): { index: number } | { bogus: string } | null {
  if (md === 0) return null;
  const view = world.store.inspect();
  if (world.declares.index === 'none') {
    const entry = view.entries.find((e) => e.md === md);
    if (!entry) return { bogus: `pointer ${hexAddr(md)} to no md the table holds` };
    const fn = world.nameAt.get(entry.func);
    if (fn === undefined) return { bogus: `md ${hexAddr(md)} whose func ${hexAddr(entry.func)} is no function` };
    return { index: hashMdId(world, fn) };
  }
  if (view.arrayBase === 0) return { bogus: `pointer ${hexAddr(md)} while no array exists` };
  const size = view.layout.size;
  const offset = md - view.arrayBase;
  if (offset < 0 || offset % size !== 0 || offset / size >= view.count) {
    return { bogus: `pointer ${hexAddr(md)} outside the array [${hexAddr(view.arrayBase)}, +${view.count}×${size})` };
  }
  return { index: offset / size };
}

/**
 * The pointer a careful caller passes to put: rebased onto the current array (a padding design's
 * slot keeps its index across growth), or the md the table links for fn now (a hash design may
 * re-create its mds on resize). A stale caller passes `held.md` as it is (D6).
 */
export function carefulPointer(world: World, fn: string, held: { readonly md: number; readonly base: number }): number {
  const view = world.store.inspect();
  if (world.declares.index === 'none') {
    const ip = world.ip.get(fn);
    return view.entries.find((e) => e.func === ip && e.users > 0)?.md ?? held.md;
  }
  return view.arrayBase === 0 ? held.md : view.arrayBase + (held.md - held.base);
}

/**
 * The kernel's deferred activity catches up (operation `quiesce`): rcu_barrier*() of every
 * flavour and flush_scheduled_work(), again until nothing is pending, since a callback of one
 * flavour may queue one of another or a work item (jul25: tasks-trace, tasks, kfree; may25: RCU
 * Tasks, then the array's release work; rht: the rhashtable's deferred resize).
 */
export function* quiesce(kernel: Kernel): Op<void> {
  for (let round = 0; round < QUIESCE_ROUNDS && kernel.rcu.queued + kernel.workqueue.size > 0; round++) {
    yield* kernel.rcu.rcuBarrier();
    yield* kernel.rcu.rcuBarrierTasks();
    yield* kernel.rcu.rcuBarrierTasksTrace();
    yield* kernel.workqueue.flush();
  }
}

/** A design whose callbacks requeue themselves forever would never quiesce: stop after this many rounds. */
const QUIESCE_ROUNDS = 16;

/** Where an md pointer points: slot `index` of the page block (array) number `array`, or nowhere. */
export function slotOf(
  world: World,
  md: number,
): { readonly array: number; readonly index: number; readonly freed: boolean } | null {
  if (md === 0) return null;
  if (world.declares.index === 'none') return hashSlotOf(world, md);
  const size = world.layout.size;
  const blocks = world.kernel.pages.list();
  for (let a = 0; a < blocks.length; a++) {
    const b = blocks[a];
    if (!b) continue;
    const bytes = world.kernel.pageSize * 2 ** b.order;
    if (md >= b.addr && md < b.addr + bytes && (md - b.addr) % size === 0) {
      return { array: a, index: (md - b.addr) / size, freed: b.freed };
    }
  }
  // an array from kvmalloc_array (may25): slab objects are numbered after the page blocks
  const objects = world.kernel.slab.list();
  for (let a = 0; a < objects.length; a++) {
    const o = objects[a];
    if (o && md >= o.addr && md < o.addr + o.size && (md - o.addr) % size === 0) {
      return { array: blocks.length + a, index: (md - o.addr) / size, freed: o.freed };
    }
  }
  return null;
}

/** The number the model gives the md of fn in a hash design (first seen, first numbered). */
export function hashMdId(world: World, fn: string): number {
  let id = world.mdIds.get(fn);
  if (id === undefined) {
    id = world.mdIds.size;
    world.mdIds.set(fn, id);
  }
  return id;
}

/** A hash design's md wherever it is (linked, unlinked, freed): named by the function its func names. */
function hashSlotOf(
  world: World,
  md: number,
): { readonly array: number; readonly index: number; readonly freed: boolean } | null {
  const object = world.kernel.slab.objectAt(md);
  if (!object) return null;
  const fn = world.nameAt.get(world.kernel.mem.peek64(md + world.layout.func));
  return fn === undefined ? null : { array: 0, index: hashMdId(world, fn), freed: object.freed };
}

/** A readable name for an address: fn-N for text, A<a>[i].field of array #a, a kernel global, or hex. */
export function nameAddress(world: World, addr: number, statics: ReadonlyMap<number, string>): string {
  const st = statics.get(addr);
  if (st) return st;
  for (const [fn, [s]] of world.windows) {
    const ip = world.ip.get(fn) ?? s;
    if (addr >= s && addr < ip) return `${fn}-${ip - addr}`;
  }
  const { size, users, func } = world.layout;
  const blocks = world.kernel.pages.list();
  for (let a = 0; a < blocks.length; a++) {
    const b = blocks[a];
    if (!b) continue;
    const bytes = world.kernel.pageSize * 2 ** b.order;
    if (addr >= b.addr && addr < b.addr + bytes) {
      const off = (addr - b.addr) % size;
      const field = off === users ? 'users' : off === func ? 'func' : `+${off}`;
      return `A${a}[${Math.floor((addr - b.addr) / size)}].${field}`;
    }
  }
  return hexAddr(addr);
}

/** Addresses of the store's globals (kfunc_md_count, kfunc_md_used, kfunc_mds, …), for naming them in timelines. */
export function staticNames(kernel: Kernel): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of ['kfunc_md_count', 'kfunc_md_used', 'kfunc_mds', 'kfunc_md_released']) {
    const a = kernel.staticAddr(name);
    if (a !== undefined) out.set(a, name);
  }
  return out;
}

export function hexAddr(addr: number): string {
  return `0x${addr.toString(16)}`;
}
