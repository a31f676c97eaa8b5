import type { Kernel } from '../../../impl/kernel/kernel.ts';
import { FRESH_PAGE_BYTE } from '../../../impl/kernel/pages.ts';
import type { Step } from '../../../impl/kernel/types.ts';
import type { Cpu } from './cpu.ts';
import type { WindowWatch } from './windows.ts';

/** Two 32-bit FNV-style lanes: a 64-bit digest without BigInt. */
export class Hash64 {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;

  mix(x: number): this {
    const lo = x | 0;
    const hi = Math.floor(x / 2 ** 32) | 0;
    this.a = Math.imul(this.a ^ lo, 0x01000193);
    this.b = Math.imul((this.b ^ hi) + lo, 0x5bd1e995);
    this.b ^= this.b >>> 15;
    return this;
  }

  str(s: string): this {
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
    return this.mix(s.length);
  }

  digest(): string {
    return `${(this.a >>> 0).toString(36)}.${(this.b >>> 0).toString(36)}`;
  }

  copy(): Hash64 {
    const h = new Hash64();
    h.a = this.a;
    h.b = this.b;
    return h;
  }
}

const KIND_CODE: Readonly<Record<Step['kind'], number>> = {
  load8: 1,
  load32: 2,
  load64: 3,
  store8: 4,
  store32: 5,
  store64: 6,
  mutex_lock: 7,
  mutex_unlock: 8,
  rcu_read_lock: 9,
  rcu_read_unlock: 10,
  sync_rcu: 11,
  alloc_pages: 12,
  free_pages: 13,
};

/**
 * The state of a run at a scheduling point, as a digest, for the exhaustive search: two runs
 * with equal digests have the same future (memory that differs from boot, page blocks, locks,
 * RCU, every CPU's position and what its current operation has read so far — which fixes the
 * generator's locals —, the call/return order so far, and the torn-read watch).
 */
export class Fingerprinter {
  /** text and static data: address → byte before kfunc_md first wrote it */
  private readonly initial = new Map<number, number>();
  /** the first page block's address: blocks are handed out upwards from there */
  private pagesFrom: number | undefined;
  /** XOR over every tracked byte that differs from its initial value, of a hash of (address, byte) */
  private memA = 0;
  private memB = 0;
  private readonly trails = new Map<number, Hash64>();
  private readonly events = new Hash64();

  constructor(private readonly kernel: Kernel) {}

  beforeStep(step: Step): void {
    if (step.addr === undefined) return;
    const mem = this.kernel.mem;
    if (step.kind === 'free_pages') {
      // a freed block reads as poison, which the block list already says: drop what it contributed
      const size = step.size ?? 0;
      if (!mem.isMapped(step.addr, size)) return;
      const bytes = mem.peekBytes(step.addr, size);
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== FRESH_PAGE_BYTE) this.toggle(step.addr + i, bytes[i]);
      return;
    }
    if (!step.kind.startsWith('store') || !mem.isMapped(step.addr, step.size ?? 1)) return;
    const bytes = mem.peekBytes(step.addr, step.size ?? 1);
    for (let i = 0; i < bytes.length; i++) {
      const a = step.addr + i;
      if (bytes[i] !== this.initialOf(a, bytes[i])) this.toggle(a, bytes[i]);
    }
  }

  /** What `cpu` just did, and what it learnt from it. */
  afterStep(cpu: Cpu, step: Step): void {
    const mem = this.kernel.mem;
    if (step.kind.startsWith('store') && step.addr !== undefined && mem.isMapped(step.addr, step.size ?? 1)) {
      const bytes = mem.peekBytes(step.addr, step.size ?? 1);
      for (let i = 0; i < bytes.length; i++)
        if (bytes[i] !== this.initialOf(step.addr + i, bytes[i])) this.toggle(step.addr + i, bytes[i]);
    }
    if (step.kind === 'alloc_pages') this.pagesFrom ??= this.kernel.pages.list()[0]?.addr;
    const t = this.trail(cpu.id)
      .mix(KIND_CODE[step.kind])
      .mix(step.addr ?? 0);
    if (step.kind.startsWith('load') && step.addr !== undefined && mem.isMapped(step.addr, step.size ?? 1)) {
      const bytes = mem.peekBytes(step.addr, step.size ?? 1);
      for (const b of bytes) t.mix(b);
    } else if (step.kind === 'mutex_lock' && step.lock !== undefined) {
      t.mix(mem.mutexes.owner(step.lock) === cpu.id ? 1 : 0);
    } else if (step.kind === 'sync_rcu') {
      t.mix(mem.rcu.pendingReaders(cpu.id).length);
    } else if (step.kind === 'alloc_pages') {
      const blocks = this.kernel.pages.list();
      t.mix(blocks.length).mix(blocks[blocks.length - 1]?.addr ?? 0);
    }
  }

  opStarted(cpu: Cpu): void {
    this.trails.set(cpu.id, new Hash64().mix(cpu.pc));
    this.events.mix(cpu.id).mix(cpu.pc).mix(1);
  }

  opReturned(cpu: Cpu, result: string): void {
    this.events.mix(cpu.id).str(result);
  }

  digest(cpus: readonly Cpu[], current: number | null, watch: WindowWatch): string {
    const mem = this.kernel.mem;
    const h = this.events
      .copy()
      .mix(current ?? -1)
      .mix(this.memA)
      .mix(this.memB);
    for (const b of this.kernel.pages.list())
      h.mix(b.addr)
        .mix(b.order)
        .mix(b.freed ? 1 : 0);
    for (const c of cpus) {
      h.mix(c.pc)
        .mix(c.gen ? 1 : 0)
        .str(this.trail(c.id).digest());
      h.str(mem.mutexes.heldBy(c.id).join(',')).mix(mem.rcu.depth(c.id)).str(mem.rcu.pendingReaders(c.id).join(','));
      for (const [fn, n, latest] of c.holdings.held())
        h.str(fn)
          .mix(n)
          .mix(latest?.md ?? 0);
    }
    return h.str(watch.key()).digest();
  }

  /** Page blocks start out as FRESH_PAGE_BYTE (never reused); anything else as it was at the first store. */
  private initialOf(addr: number, now: number): number {
    if (this.pagesFrom !== undefined && addr >= this.pagesFrom) return FRESH_PAGE_BYTE;
    const was = this.initial.get(addr);
    if (was !== undefined) return was;
    this.initial.set(addr, now);
    return now;
  }

  private toggle(addr: number, byte: number): void {
    this.memA ^= Math.imul((addr | 0) ^ Math.imul(byte + 1, 0x9e3779b1), 0x85ebca6b);
    this.memB ^= Math.imul(
      (Math.floor(addr / 2 ** 32) | 0) + Math.imul(addr | 0, 0xc2b2ae35) + byte * 0x27d4eb2f,
      0x165667b1,
    );
  }

  private trail(cpu: number): Hash64 {
    let t = this.trails.get(cpu);
    if (!t) this.trails.set(cpu, (t = new Hash64()));
    return t;
  }
}
