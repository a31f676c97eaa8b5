import { AddressSpace } from './address-space.ts';
import { AllocFaults } from './alloc-faults.ts';
import { Workqueue } from './workqueue.ts';
import { layoutArm64 } from './arm64-text.ts';
import { imageFunctionsInOrder, layoutImage } from './image.ts';
import { bootArm64, bootX86 } from './boot.ts';
import { EventLog } from './events.ts';
import type { TextWrite, Violation, WarnRecord } from './events.ts';
import { Memory } from './memory.ts';
import { MutexTable } from './mutexes.ts';
import type { KernelOptions } from './options.ts';
import { PageAllocator } from './pages.ts';
import { RcuState } from './rcu.ts';
import { RcuFlavours } from './rcu-flavours.ts';
import { PercpuRefs } from './percpu-ref.ts';
import { Slab } from './slab.ts';
import type { KernelSpec, PlacedFunction } from './spec.ts';
import type { Addr } from './types.ts';
import { layoutX86 } from './x86-text.ts';

/** Kernel-looking addresses that still fit in 48 bits (exact as JS numbers). */
export const TEXT_BASE = 0xffff_8100_0000;
/**
 * Static data sits here, or at the next 2 MiB boundary after a longer text: a real image's text
 * (KernelSpec.image, tens of MiB) fits below PAGE_BASE, up to MAX_TEXT_SIZE.
 */
const DATA_MIN_BASE = 0xffff_8400_0000;
// a few globals live here; a small area keeps booting a kernel per scenario cheap
const DATA_SIZE = 1 << 16;
const PAGE_BASE = 0xffff_8880_0000;
const MIB = 1 << 20;
/** The longest text the address map holds: static data (2 MiB-aligned) still ends below PAGE_BASE. */
export const MAX_TEXT_SIZE = Math.floor((PAGE_BASE - DATA_SIZE - TEXT_BASE) / (2 * MIB)) * (2 * MIB);

/** A booted simulated kernel: text, static data, pages, locks, RCU and the logs. */
export interface Kernel {
  readonly options: KernelOptions;
  readonly mem: Memory;
  readonly pages: PageAllocator;
  /** the RCU flavours: RCU (mem.rcu's readers), RCU Tasks, RCU Tasks Trace, with call_rcu* callbacks */
  readonly rcu: RcuFlavours;
  /** kmalloc / kvmalloc / kfree / kvfree / kfree_rcu, poisoned on free, with failure injection */
  readonly slab: Slab;
  /** percpu_ref_init / get / tryget_live / put / kill / exit on refs embedded in simulated memory */
  readonly percpuRef: PercpuRefs;
  /** system_wq: work scheduled with schedule_work, run when the harness lets the kernel catch up */
  readonly workqueue: Workqueue;
  /** PAGE_SIZE */
  readonly pageSize: number;
  /** MAX_PAGE_ORDER */
  readonly maxOrder: number;
  /** the next n allocations fail, after `after` more succeed: pages or slab alike (a fault suite's injection) */
  failNextAllocations(n: number, after?: number): void;
  /** the order in which x86 text_poke() stores the five bytes of kfunc_md_arch_poke */
  readonly pokeByteOrder: readonly number[];
  readonly functions: readonly PlacedFunction[];
  readonly textBase: Addr;
  readonly textSize: number;
  /** text as it was after boot, before any runtime write */
  readonly initialText: Uint8Array;
  readonly textWrites: readonly TextWrite[];
  readonly warnings: readonly WarnRecord[];
  readonly violations: readonly Violation[];
  /** boot-time messages (e.g. a call thunk refused because the padding was not all NOPs) */
  readonly bootNotes: readonly string[];
  /** the function called `name` (throws if there is none) */
  fn(name: string): PlacedFunction;
  /** whether [addr, addr+size) is kernel text (where copy_to_kernel_nofault through the fixmap can write) */
  isText(addr: Addr, size?: number): boolean;
  /** WARN_ON_ONCE(site): recorded, never thrown */
  warn(site: string, message: string): void;
  /** another subsystem writing memory behind kfunc_md's back (logged as foreign) */
  foreignWrite(addr: Addr, bytes: ArrayLike<number>): void;
  /** a statically initialised kernel variable (kfunc_md_count, kfunc_mds, ftrace_nop_ops, ...); returns its address */
  defineStatic(name: string, init: readonly number[]): Addr;
  /** address of a variable defined with defineStatic */
  staticAddr(name: string): Addr | undefined;
}

export function createKernel(spec: KernelSpec): Kernel {
  return new SimKernel(spec);
}

class SimKernel implements Kernel {
  readonly options: KernelOptions;
  readonly mem: Memory;
  readonly pages: PageAllocator;
  readonly rcu: RcuFlavours;
  readonly slab: Slab;
  readonly percpuRef: PercpuRefs;
  readonly workqueue = new Workqueue();
  readonly pageSize: number;
  readonly maxOrder: number;
  readonly pokeByteOrder: readonly number[];
  readonly functions: readonly PlacedFunction[];
  readonly textBase = TEXT_BASE;
  readonly textSize: number;
  readonly initialText: Uint8Array;
  readonly bootNotes: readonly string[];
  private readonly events = new EventLog();
  private readonly statics = new Map<string, Addr>();
  private readonly dataBase: Addr;
  private dataUsed = 0;
  private readonly byName = new Map<string, PlacedFunction>();
  private readonly faults = new AllocFaults();

  constructor(spec: KernelSpec) {
    this.options = spec.options;
    this.pageSize = spec.pageSize ?? 4096;
    this.maxOrder = spec.maxOrder ?? 10;
    this.pokeByteOrder = spec.pokeByteOrder ?? [0, 1, 2, 3, 4];
    validate(spec, this.pageSize, this.maxOrder, this.pokeByteOrder);

    const o = spec.options;
    // a given image replaces the compiler-rule layout; the boot rewrites below apply to either
    const layout = spec.image
      ? layoutImage(o, spec.image, TEXT_BASE)
      : o.arch === 'x86'
        ? layoutX86(o, spec.functions, TEXT_BASE)
        : layoutArm64(o, spec.functions, TEXT_BASE);
    const specs = spec.image ? imageFunctionsInOrder(spec.image) : spec.functions;
    this.functions = layout.functions;
    for (const f of layout.functions) this.byName.set(f.name, f);
    this.textSize = layout.bytes.length;

    const space = new AddressSpace();
    space.add('text', 'text', TEXT_BASE, layout.bytes);
    if (this.textSize > MAX_TEXT_SIZE) {
      throw new Error(
        `text too large for the simulated address map: ${this.textSize} bytes, at most ${MAX_TEXT_SIZE} (${MAX_TEXT_SIZE / MIB} MiB)`,
      );
    }
    this.dataBase = Math.max(DATA_MIN_BASE, Math.ceil((TEXT_BASE + this.textSize) / (2 * MIB)) * (2 * MIB));
    space.add('data', 'data', this.dataBase, new Uint8Array(DATA_SIZE));
    this.pages = new PageAllocator(space, this.pageSize, this.maxOrder, PAGE_BASE, this.faults);
    this.mem = new Memory(space, this.events, new MutexTable(), new RcuState(), this.pages);
    this.rcu = new RcuFlavours(this.mem);
    this.slab = new Slab(space, this.mem, this.rcu, this.pageSize, this.maxOrder, this.faults);
    this.percpuRef = new PercpuRefs(this.mem, this.slab, (site, message) => this.warn(site, message));

    const at = (addr: Addr): number => addr - TEXT_BASE;
    this.bootNotes =
      o.arch === 'x86'
        ? bootX86(o, layout.bytes, at, layout.functions, specs)
        : bootArm64(
            o,
            layout.bytes,
            at,
            layout.functions,
            this.defineStatic('ftrace_nop_ops', new Array<number>(16).fill(0)),
          );
    this.initialText = layout.bytes.slice();
  }

  failNextAllocations(n: number, after = 0): void {
    this.faults.failNext(n, after);
  }

  get textWrites(): readonly TextWrite[] {
    return this.events.textWrites;
  }
  get warnings(): readonly WarnRecord[] {
    return this.events.warnings;
  }
  get violations(): readonly Violation[] {
    return this.events.violations;
  }

  fn(name: string): PlacedFunction {
    const f = this.byName.get(name);
    if (!f) throw new Error(`no function ${name}`);
    return f;
  }

  isText(addr: Addr, size = 1): boolean {
    return addr >= TEXT_BASE && addr + size <= TEXT_BASE + this.textSize;
  }

  warn(site: string, message: string): void {
    this.events.warn(site, message, this.mem.currentCpu, this.mem.tick);
  }

  foreignWrite(addr: Addr, bytes: ArrayLike<number>): void {
    this.mem.writeDirect(addr, bytes, true);
  }

  defineStatic(name: string, init: readonly number[]): Addr {
    let unique = name;
    for (let i = 2; this.statics.has(unique); i++) unique = `${name}#${i}`;
    const addr = this.dataBase + this.dataUsed;
    this.dataUsed += Math.ceil(Math.max(init.length, 1) / 16) * 16;
    if (this.dataUsed > DATA_SIZE) throw new Error('static data area exhausted');
    this.mem.writeDirect(addr, init, false);
    this.statics.set(unique, addr);
    return addr;
  }

  staticAddr(name: string): Addr | undefined {
    return this.statics.get(name);
  }
}

function validate(spec: KernelSpec, pageSize: number, maxOrder: number, order: readonly number[]): void {
  if (!Number.isInteger(pageSize) || pageSize < 16 || (pageSize & (pageSize - 1)) !== 0) {
    throw new Error(`pageSize ${pageSize} must be a power of two >= 16`);
  }
  if (!Number.isInteger(maxOrder) || maxOrder < 0 || maxOrder > 20)
    throw new Error(`maxOrder ${maxOrder} out of range`);
  if (order.length !== 5 || [...order].sort().join() !== '0,1,2,3,4') {
    throw new Error(`pokeByteOrder must be a permutation of 0..4, got [${order.join()}]`);
  }
  if (spec.image && spec.functions.length > 0) throw new Error('give functions or an image, not both');
  const names = new Set<string>();
  for (const f of spec.functions) {
    if (names.has(f.name)) throw new Error(`duplicate function name ${f.name}`);
    names.add(f.name);
  }
  if (spec.options.arch === 'x86' && ![16, 32, 64].includes(spec.options.functionAlignment)) {
    throw new Error(`x86 functionAlignment must be 16, 32 or 64`);
  }
}
