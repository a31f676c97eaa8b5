import type { Step } from '../../../impl/kernel/types.ts';
import { KFUNC_MD_MUTEX } from '../../../impl/v4/layout.ts';
import { TEXT_MUTEX } from '../../../impl/kernel/mutexes.ts';
import type { TrampolineView } from '../../../impl/contract/index.ts';
import { ALLOC_PAGES_ORDER_WARN, decodeWindow } from '../../../model/index.ts';
import { hexAddr } from '../core/world.ts';
import type { Cpu } from './cpu.ts';
import { inapplicable } from '../core/checks.ts';
import type { ConcurrentOperation } from '../core/operations.ts';
import { describeOperation } from '../core/operations.ts';
import type { Violation, ViolationDetail } from '../core/violation.ts';
import { WindowWatch, hexOf } from './windows.ts';
import type { Observation } from './windows.ts';
import { designOf, readerMaySee, slotOf } from '../core/world.ts';
import type { World } from '../core/world.ts';

const NONE: readonly string[] = [];

/** kfunc_md_mutex is taken before text_mutex, never after (spec §2.3). */
const LOCK_RANK: Readonly<Record<string, number>> = { [KFUNC_MD_MUTEX]: 0, [TEXT_MUTEX]: 1 };

/**
 * The safety checks made after every step, independent of any particular bug: memory safety,
 * WARNs, torn windows decoded as valid indices, readers seeing someone else's md, dangling
 * caller pointers, lock order and deadlocks. The first violation stops the run.
 */
export class Monitor {
  readonly watch: WindowWatch;
  private warnings = 0;
  private violations = 0;
  /** a torn observation made by the CPU during its current operation */
  private readonly torn = new Map<number, Observation>();
  /** per CPU, the last whole observation of each window in its current operation */
  private readonly lastSeen = new Map<number, Map<string, string>>();
  /** the CPU read a window twice in its current operation and it changed in between (D16) */
  private readonly reread = new Map<number, { readonly fn: string; readonly first: string; readonly then: string }>();
  /** readers that overlapped a get() of their own function on another CPU */
  private readonly overlappedGet = new Set<number>();
  /** I8 reads torn index instructions: only for an implementation that keeps one in the padding */
  private readonly decodesText: boolean;
  /** the design's growth past MAX_PAGE_ORDER asks the page allocator, whose WARN the model predicts */
  private readonly maxOrderWarns: boolean;

  constructor(
    private readonly world: World,
    private readonly cpus: readonly Cpu[],
  ) {
    this.watch = new WindowWatch(world.kernel.mem, world.windows);
    this.decodesText = inapplicable('I8', world.declares) === null;
    this.maxOrderWarns = designOf(world.declares).maxOrderWarns;
  }

  /** A new operation is about to run on `cpu` (I5: the pointer a put passes must be live). */
  opStarting(cpu: Cpu, op: ConcurrentOperation, step: number): Violation | null {
    this.watch.forget(cpu.id);
    this.torn.delete(cpu.id);
    this.lastSeen.delete(cpu.id);
    this.reread.delete(cpu.id);
    this.overlappedGet.delete(cpu.id);
    if (op.op !== 'put') return null;
    const held = cpu.holdings.latest(op.fn);
    const slot = held ? slotOf(this.world, held.md) : null;
    if (!held || !slot?.freed) return null;
    return this.violate(
      'I5',
      step,
      cpu.id,
      `cpu${cpu.id} \`${describeOperation(op)}\`: md_${op.fn} = ${hexAddr(held.md)} is slot ${slot.index} of array A${slot.array}, which has been freed (the array grew after get returned)`,
      { op: 'put', fn: op.fn },
    );
  }

  /** Checks after `cpu` performed `step`; returns the windows whose bytes it changed. */
  afterStep(cpu: Cpu, step: Step, at: number): { violation: Violation | null; touched: readonly string[] } {
    const { kernel } = this.world;
    const op = cpu.current?.op;
    const detail: ViolationDetail = op ? { op: op.op, fn: op.fn, ...(op.op === 'tramp' ? { rcu: op.rcu } : {}) } : {};
    if (op?.op === 'tramp' && this.getInFlight(cpu, op.fn)) this.overlappedGet.add(cpu.id);
    if (kernel.violations.length > this.violations) {
      const v = kernel.violations[this.violations];
      this.violations = kernel.violations.length;
      const during = op ? ` during \`${describeOperation(op)}\`` : '';
      const memory = { ...detail, memory: v.kind };
      return { violation: this.violate('I5', at, cpu.id, `cpu${cpu.id}${during}: ${v.note}`, memory), touched: [] };
    }
    let touched: readonly string[] = NONE;
    const k = step.kind;
    if ((k === 'store8' || k === 'store32' || k === 'store64') && step.addr !== undefined)
      touched = this.watch.onStore(step.addr, step.size ?? 1);
    if (
      (k === 'load8' || k === 'load32' || k === 'load64') &&
      step.addr !== undefined &&
      kernel.isText(step.addr, step.size ?? 1)
    ) {
      for (const o of this.watch.onLoad(cpu.id, step.addr, kernel.mem.peekBytes(step.addr, step.size ?? 1))) {
        const v = this.observed(cpu, o, at, detail);
        if (v) return { violation: v, touched };
      }
    }
    if (kernel.warnings.length > this.warnings) {
      const w = kernel.warnings[this.warnings];
      this.warnings = kernel.warnings.length;
      // the page allocator's WARN the model predicts for this design's growth past MAX_PAGE_ORDER;
      // whether that get had to fail is linearizability's to judge
      if (w.site === ALLOC_PAGES_ORDER_WARN && this.maxOrderWarns) return { violation: null, touched };
      const t = this.torn.get(cpu.id);
      const rr = this.reread.get(cpu.id);
      const after = t?.midPoke
        ? ` after reading ${t.fn}'s window mid-poke as ${hexOf(t.bytes)}`
        : rr
          ? ` after reading ${rr.fn}'s window twice: ${rr.first}, then ${rr.then} (find's two loads are no snapshot)`
          : '';
      return {
        violation: this.violate('warn', at, cpu.id, `cpu${cpu.id} WARN ${w.site}${after}: ${w.message}`, {
          ...detail,
          site: w.site,
          torn: t?.midPoke === true,
          reread: rr !== undefined,
        }),
        touched,
      };
    }
    if (step.kind === 'mutex_lock' && step.lock !== undefined) {
      const v = this.lockOrder(cpu.id, step.lock, at, detail);
      if (v) return { violation: v, touched };
    }
    return { violation: null, touched };
  }

  /** The trampoline returned: the md it used must be the function's own (I1, I4). */
  opReturned(cpu: Cpu, op: ConcurrentOperation, value: unknown, at: number): Violation | null {
    if (op.op !== 'tramp') return null;
    const view = value as TrampolineView;
    if (view.md === 0) return null;
    const slot = slotOf(this.world, view.md);
    const getInFlight = this.overlappedGet.has(cpu.id);
    const detail: ViolationDetail = { op: 'tramp', fn: op.fn, rcu: op.rcu, getInFlight, uninitialised: view.users < 0 };
    if (!slot)
      return this.violate(
        'I1',
        at,
        cpu.id,
        `cpu${cpu.id} \`${describeOperation(op)}\` got md ${hexAddr(view.md)}, which points into no array`,
        detail,
      );
    if (readerMaySee(this.world, op.fn, view)) return null;
    const owner = this.world.nameAt.get(view.func);
    const func = owner
      ? `${owner}${owner === op.fn ? '' : ' (another function)'}`
      : `${hexAddr(view.func)} (not a function: stale or uninitialised)`;
    const why = getInFlight
      ? `; a get(${op.fn}) on another CPU was publishing it meanwhile (instruction first, md->func after)`
      : '';
    return this.violate(
      'I1',
      at,
      cpu.id,
      `cpu${cpu.id} \`${describeOperation(op)}\` got md #${slot.index} (A${slot.array}) with func ${func} and users ${view.users}${why}`,
      detail,
    );
  }

  private getInFlight(reader: Cpu, fn: string): boolean {
    return this.cpus.some(
      (c) => c !== reader && c.started && c.current?.op.op === 'locked_get' && c.current.op.fn === fn,
    );
  }

  /** A CPU about to take a mutex it already holds. */
  selfDeadlock(cpu: Cpu, at: number): Violation | null {
    const s = cpu.pending;
    if (s?.kind !== 'mutex_lock' || s.lock === undefined || this.world.kernel.mem.mutexes.owner(s.lock) !== cpu.id)
      return null;
    const op = cpu.current?.op;
    return this.violate(
      'I9',
      at,
      cpu.id,
      `self-deadlock: cpu${cpu.id}${op ? ` in \`${describeOperation(op)}\`` : ''} takes ${s.lock} while holding it`,
      { ...(op ? { op: op.op, fn: op.fn } : {}), lock: s.lock },
    );
  }

  /** Nobody can run: say who holds what and who waits for what. */
  deadlock(at: number): Violation {
    const mem = this.world.kernel.mem;
    // the mutex the first blocked CPU waits for names the deadlock (kfunc_md_mutex: D10)
    const waitedFor = this.cpus.find((c) => !c.done && c.pending?.lock !== undefined)?.pending?.lock;
    const waits = this.cpus
      .filter((c) => !c.done)
      .map(
        (c) =>
          `${c.pending?.note ?? `cpu${c.id} blocked at ${c.pending?.kind ?? '?'}`}${c.current ? ` (in \`${describeOperation(c.current.op)}\`)` : ''}`,
      );
    const holds = this.cpus
      .map((c) => [c.id, mem.mutexes.heldBy(c.id)] as const)
      .filter(([, l]) => l.length > 0)
      .map(([c, l]) => `cpu${c} holds ${l.join(', ')}`);
    return this.violate(
      'I9',
      at,
      null,
      `deadlock: ${waits.join('; ')}${holds.length ? `; ${holds.join('; ')}` : ''}`,
      waitedFor !== undefined ? { lock: waitedFor } : {},
    );
  }

  private observed(cpu: Cpu, o: Observation, at: number, detail: ViolationDetail): Violation | null {
    const bytes = hexOf(o.bytes);
    let seen = this.lastSeen.get(cpu.id);
    if (!seen) this.lastSeen.set(cpu.id, (seen = new Map<string, string>()));
    const before = seen.get(o.fn);
    seen.set(o.fn, bytes);
    // arm64: two whole loads of the word, different words; x86: one observation assembled across a change
    if (before !== undefined && before !== bytes) this.reread.set(cpu.id, { fn: o.fn, first: before, then: bytes });
    if (o.torn && !o.midPoke)
      this.reread.set(cpu.id, { fn: o.fn, first: 'part of one version', then: `the rest of another (${bytes})` });
    if (!o.torn) return null;
    this.torn.set(cpu.id, o);
    if (!this.decodesText) return null;
    const decoded = decodeWindow(this.world.config.arch, o.bytes);
    if (decoded.kind !== 'insn') return null;
    const count = this.world.store.inspect().count;
    if (decoded.index >= count) return null; // out of range: v4's bound check WARNs, the warn check reports it
    return this.violate(
      'I8',
      at,
      cpu.id,
      `cpu${cpu.id} read ${o.fn}'s window ${o.midPoke ? 'mid-poke' : 'across a change (two loads, two versions)'} as ${bytes} = index ${decoded.index} (< count ${count}), an instruction nobody wrote`,
      { ...detail, torn: o.midPoke, reread: !o.midPoke },
    );
  }

  private lockOrder(cpu: number, lock: string, at: number, detail: ViolationDetail): Violation | null {
    const rank = LOCK_RANK[lock];
    if (rank === undefined) return null;
    const above = this.world.kernel.mem.mutexes.heldBy(cpu).filter((l) => l !== lock && (LOCK_RANK[l] ?? -1) > rank);
    if (above.length === 0) return null;
    return this.violate(
      'I9',
      at,
      cpu,
      `lock order inverted: cpu${cpu} takes ${lock} while holding ${above.join(', ')}`,
      { ...detail, lock },
    );
  }

  private violate(
    check: Violation['check'],
    at: number,
    cpu: number | null,
    message: string,
    detail: ViolationDetail,
  ): Violation {
    return { check, at, cpu, message, detail };
  }
}
