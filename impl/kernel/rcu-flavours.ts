import { FunctionTable, RCU_CALLBACK_TEXT } from './functions.ts';
import { hex } from './le.ts';
import type { Memory } from './memory.ts';
import { RcuState } from './rcu.ts';
import type { Addr, Op, RcuFlavour, Step } from './types.ts';

/** sizeof(struct rcu_head) (struct callback_head: next, then func) */
export const RCU_HEAD_SIZE = 16;
/** offsetof(struct callback_head, func) */
export const RCU_HEAD_FUNC = 8;

/** A call_rcu callback: `void (*func)(struct rcu_head *head)`, given the head's address. */
export type RcuCallback = (head: Addr) => Op<void>;

/** The kernel's names for each flavour's read side, grace period, callbacks and barrier. */
const NAMES: Readonly<
  Record<
    RcuFlavour,
    {
      readonly lock: string;
      readonly unlock: string;
      readonly sync: string;
      readonly call: string;
      readonly barrier: string;
      readonly title: string;
    }
  >
> = {
  rcu: {
    lock: 'rcu_read_lock',
    unlock: 'rcu_read_unlock',
    sync: 'synchronize_rcu',
    call: 'call_rcu',
    barrier: 'rcu_barrier',
    title: 'RCU',
  },
  rcu_tasks: {
    // RCU Tasks has no read-side markers in the kernel: these two are kfmd's (see RcuFlavours)
    lock: 'rcu_tasks_read_lock',
    unlock: 'rcu_tasks_read_unlock',
    sync: 'synchronize_rcu_tasks',
    call: 'call_rcu_tasks',
    barrier: 'rcu_barrier_tasks',
    title: 'RCU Tasks',
  },
  rcu_tasks_trace: {
    lock: 'rcu_read_lock_trace',
    unlock: 'rcu_read_unlock_trace',
    sync: 'synchronize_rcu_tasks_trace',
    call: 'call_rcu_tasks_trace',
    barrier: 'rcu_barrier_tasks_trace',
    title: 'RCU Tasks Trace',
  },
};

/** What a grace period that starts now waits for: readers of one or more reader tables. */
type Snapshot = readonly { readonly state: RcuState; readonly readers: ReadonlyMap<number, number> }[];

interface Queued {
  readonly flavour: RcuFlavour;
  readonly head: Addr;
  readonly fn: RcuCallback;
  /** the pointer call_rcu stored in rcu_head::func */
  readonly ptr: Addr;
  /** the CPU that queued it */
  readonly cpu: number;
  readonly waitsFor: Snapshot;
  state: 'queued' | 'running' | 'done';
  /** the CPU invoking it, once running */
  runner?: number;
}

/**
 * The three RCU flavours (kernel/rcu/tree.c, kernel/rcu/tasks.h), each with its own readers, its
 * own synchronize_rcu*(), its own call_rcu*() and rcu_barrier*().
 *
 * - **RCU**: rcu_read_lock()/rcu_read_unlock(); the reader table is Memory's own (`mem.rcu`), so
 *   `readLock('rcu')` and `synchronize('rcu')` are exactly Memory.rcuReadLock/synchronizeRcu,
 *   step for step, as v4 and `locked` take them.
 * - **RCU Tasks**: a reader is any task that has not voluntarily scheduled since the grace period
 *   began (a trampoline's body). The kernel marks nothing; in the simulation the caller marks that
 *   stretch with rcuTasksReadLock()/rcuTasksReadUnlock() (kfmd's markers, no kernel functions of
 *   that name). A task inside rcu_read_lock() cannot schedule voluntarily either, so an RCU Tasks
 *   grace period also waits for classic RCU readers that were inside a section when it began.
 * - **RCU Tasks Trace**: rcu_read_lock_trace()/rcu_read_unlock_trace(); readers may sleep, so no
 *   other flavour's grace period waits for them, and theirs waits for no other flavour's readers.
 *   (The kernel's rcu_trace_implies_rcu_gp() is not granted: code must chain call_rcu itself.)
 *
 * A grace period waits only for the readers of the tables it watches that were inside a section
 * when it began (the section serials of RcuState), never for one that starts later.
 *
 * **Callbacks.** call_rcu*() stores the callback's pointer into rcu_head::func (one store64 step,
 * so an rcu_head in freed memory is caught) and queues it with a snapshot of the readers its grace
 * period waits for. Nothing runs callbacks behind anyone's back: the simulation has no softirq and
 * no RCU kthreads. A callback runs when a CPU calls invokeCallbacks() (rcu_do_batch: every
 * callback whose grace period has ended, in the order they were queued, on the calling CPU, where a
 * harness would run an rcuc kthread) or rcu_barrier*() (which waits for the callbacks of its
 * flavour queued before it, running each itself as soon as its grace period ends). Invoking one
 * loads rcu_head::func (one load64 step) and, if it still holds the pointer call_rcu stored, runs
 * the callback's own steps.
 */
export class RcuFlavours {
  private readonly states: Readonly<Record<RcuFlavour, RcuState>>;
  /** callbacks queued or running, in the order they were queued (a finished one leaves) */
  private readonly queue: Queued[] = [];
  private readonly fns = new FunctionTable<RcuCallback>(RCU_CALLBACK_TEXT);

  constructor(private readonly mem: Memory) {
    this.states = { rcu: mem.rcu, rcu_tasks: new RcuState(), rcu_tasks_trace: new RcuState() };
  }

  /** The reader table of `flavour` (read-side nesting per CPU, grace periods elapsed). */
  state(flavour: RcuFlavour): RcuState {
    return this.states[flavour];
  }

  /** The address call_rcu stores in rcu_head::func for `fn`. */
  pointerOf(fn: RcuCallback): Addr {
    return this.fns.pointer(fn);
  }

  /** Callbacks queued and not yet finished (of `flavour`, or of all). */
  pendingCallbacks(flavour?: RcuFlavour): number {
    return this.queue.filter((q) => flavour === undefined || q.flavour === flavour).length;
  }

  // ---- read side ---------------------------------------------------------------------------

  /** rcu_read_lock(), rcu_read_lock_trace(), or the start of an RCU Tasks read-side stretch. */
  *readLock(flavour: RcuFlavour = 'rcu'): Op<void> {
    if (flavour === 'rcu') return yield* this.mem.rcuReadLock();
    const cpu = this.mem.currentCpu;
    yield* this.mem.primitive({ kind: 'rcu_read_lock', rcu: flavour, call: NAMES[flavour].lock }, () =>
      this.states[flavour].readLock(cpu),
    );
  }

  /** rcu_read_unlock(), rcu_read_unlock_trace(), or the end of an RCU Tasks stretch; an unbalanced one is a violation. */
  *readUnlock(flavour: RcuFlavour = 'rcu'): Op<void> {
    if (flavour === 'rcu') return yield* this.mem.rcuReadUnlock();
    const cpu = this.mem.currentCpu;
    const n = NAMES[flavour];
    const ok = yield* this.mem.primitive({ kind: 'rcu_read_unlock', rcu: flavour, call: n.unlock }, () =>
      this.states[flavour].readUnlock(cpu),
    );
    if (!ok) this.mem.report('rcu-unlock-unbalanced', undefined, `cpu${cpu} ${n.unlock} without ${n.lock}`);
  }

  /** rcu_read_lock_trace() */
  rcuReadLockTrace(): Op<void> {
    return this.readLock('rcu_tasks_trace');
  }

  /** rcu_read_unlock_trace() */
  rcuReadUnlockTrace(): Op<void> {
    return this.readUnlock('rcu_tasks_trace');
  }

  /** The start of an RCU Tasks read-side stretch: the task will not schedule voluntarily until rcuTasksReadUnlock(). */
  rcuTasksReadLock(): Op<void> {
    return this.readLock('rcu_tasks');
  }

  /** The end of an RCU Tasks read-side stretch (the task may schedule voluntarily again). */
  rcuTasksReadUnlock(): Op<void> {
    return this.readUnlock('rcu_tasks');
  }

  // ---- grace periods -------------------------------------------------------------------------

  /**
   * synchronize_rcu(), synchronize_rcu_tasks() or synchronize_rcu_tasks_trace(): the grace period
   * starts when first resumed and ends once every reader it watches that was inside a section
   * then has left it. Classic RCU is Memory.synchronizeRcu itself.
   */
  *synchronize(flavour: RcuFlavour = 'rcu'): Op<void> {
    if (flavour === 'rcu') return yield* this.mem.synchronizeRcu();
    const cpu = this.mem.currentCpu;
    const name = NAMES[flavour].sync;
    const snapshot = yield* this.mem.primitive({ kind: 'sync_rcu', rcu: flavour, call: name }, () =>
      this.snapshot(flavour),
    );
    yield* this.mem.blockWhile(
      () => this.pending(snapshot).length > 0,
      () => ({
        kind: 'sync_rcu',
        rcu: flavour,
        call: name,
        note: this.waitNote(cpu, flavour, name, this.pending(snapshot)),
      }),
    );
    this.states[flavour].gracePeriods++;
  }

  /** synchronize_rcu_tasks() */
  synchronizeRcuTasks(): Op<void> {
    return this.synchronize('rcu_tasks');
  }

  /** synchronize_rcu_tasks_trace() */
  synchronizeRcuTasksTrace(): Op<void> {
    return this.synchronize('rcu_tasks_trace');
  }

  // ---- callbacks -----------------------------------------------------------------------------

  /**
   * call_rcu(head, fn), call_rcu_tasks() or call_rcu_tasks_trace(): stores fn's pointer into
   * head->func and queues fn to run after a grace period of `flavour` that starts now. `name`
   * is the kernel function the step is shown as (kfree_rcu, say). Queuing a head that is still
   * queued is a violation (CONFIG_DEBUG_OBJECTS_RCU_HEAD's "activate active" splat).
   */
  *call(flavour: RcuFlavour, head: Addr, fn: RcuCallback, name = NAMES[flavour].call): Op<void> {
    const cpu = this.mem.currentCpu;
    const ptr = this.fns.pointer(fn);
    yield* this.mem.storeAs(name, head + RCU_HEAD_FUNC, ptr);
    if (this.queue.some((q) => q.head === head && q.state === 'queued'))
      this.mem.report('rcu-head-reused', head, `${name} on rcu_head ${hex(head)} that is already queued`);
    this.queue.push({ flavour, head, fn, ptr, cpu, waitsFor: this.snapshot(flavour), state: 'queued' });
  }

  /** call_rcu(head, fn) */
  callRcu(head: Addr, fn: RcuCallback): Op<void> {
    return this.call('rcu', head, fn);
  }

  /** call_rcu_tasks(head, fn) */
  callRcuTasks(head: Addr, fn: RcuCallback): Op<void> {
    return this.call('rcu_tasks', head, fn);
  }

  /** call_rcu_tasks_trace(head, fn) */
  callRcuTasksTrace(head: Addr, fn: RcuCallback): Op<void> {
    return this.call('rcu_tasks_trace', head, fn);
  }

  /**
   * rcu_do_batch() on this CPU: invokes every queued callback (of `flavour`, or of any) whose
   * grace period has ended, in the order they were queued; returns how many ran. It never waits.
   */
  *invokeCallbacks(flavour?: RcuFlavour): Op<number> {
    let ran = 0;
    for (;;) {
      const next = this.queue.find(
        (q) => q.state === 'queued' && (flavour === undefined || q.flavour === flavour) && this.ready(q),
      );
      if (!next) return ran;
      yield* this.invoke(next);
      ran++;
    }
  }

  /**
   * rcu_barrier(), rcu_barrier_tasks() or rcu_barrier_tasks_trace(): returns once every callback
   * of `flavour` queued before it has been invoked, invoking each itself as soon as its grace
   * period has ended (or waiting for the CPU already running it).
   */
  *barrier(flavour: RcuFlavour = 'rcu'): Op<void> {
    const cpu = this.mem.currentCpu;
    const name = NAMES[flavour].barrier;
    const first: Step =
      flavour === 'rcu' ? { kind: 'sync_rcu', call: name } : { kind: 'sync_rcu', rcu: flavour, call: name };
    const mine = yield* this.mem.primitive(first, () => this.queue.filter((q) => q.flavour === flavour));
    const readyOne = (): Queued | undefined => mine.find((q) => q.state === 'queued' && this.ready(q));
    for (;;) {
      const ready = readyOne();
      if (ready) {
        yield* this.invoke(ready);
        continue;
      }
      const left = mine.find((q) => q.state !== 'done');
      if (!left) return;
      yield* this.mem.blockWhile(
        () => left.state !== 'done' && readyOne() === undefined,
        () => ({ ...first, note: this.barrierNote(cpu, name, left) }),
      );
    }
  }

  /** callbacks queued (call_rcu*) and not yet invoked, of every flavour */
  get queued(): number {
    return this.queue.filter((q) => q.state === 'queued').length;
  }

  /** rcu_barrier() */
  rcuBarrier(): Op<void> {
    return this.barrier('rcu');
  }

  /** rcu_barrier_tasks() */
  rcuBarrierTasks(): Op<void> {
    return this.barrier('rcu_tasks');
  }

  /** rcu_barrier_tasks_trace() */
  rcuBarrierTasksTrace(): Op<void> {
    return this.barrier('rcu_tasks_trace');
  }

  // ---- internals -------------------------------------------------------------------------------

  /** The reader tables a grace period of `flavour` waits for (RCU Tasks also waits for classic readers). */
  private snapshot(flavour: RcuFlavour): Snapshot {
    const tables = flavour === 'rcu_tasks' ? [this.states.rcu_tasks, this.states.rcu] : [this.states[flavour]];
    return tables.map((state) => ({ state, readers: state.readers() }));
  }

  /** The CPUs a snapshot still waits for, in ascending order. */
  private pending(snapshot: Snapshot): number[] {
    const cpus = new Set(snapshot.flatMap((s) => s.state.stillReading(s.readers)));
    return [...cpus].sort((a, b) => a - b);
  }

  private ready(q: Queued): boolean {
    return this.pending(q.waitsFor).length === 0;
  }

  private *invoke(q: Queued): Op<void> {
    q.state = 'running';
    q.runner = this.mem.currentCpu;
    const func = yield* this.mem.loadAs('rcu_do_batch', q.head + RCU_HEAD_FUNC);
    if (func === q.ptr) yield* q.fn(q.head);
    else
      this.mem.report(
        'rcu-head-corrupt',
        q.head,
        `rcu_do_batch: rcu_head ${hex(q.head)} has func ${hex(func)}, not the ${hex(q.ptr)} ${NAMES[q.flavour].call} stored`,
      );
    q.state = 'done';
    this.queue.splice(this.queue.indexOf(q), 1);
  }

  private waitNote(cpu: number, flavour: RcuFlavour, name: string, pending: readonly number[]): string {
    const section = `${NAMES[flavour].title} read-side section`;
    if (pending.includes(cpu)) return `self-deadlock: cpu${cpu} calls ${name} inside its own ${section}`;
    return `cpu${cpu} waits in ${name} for the ${section} of ${cpus(pending)}`;
  }

  private barrierNote(cpu: number, name: string, q: Queued): string {
    if (q.state === 'running') return `cpu${cpu} waits in ${name} for the callback cpu${q.runner ?? '?'} is running`;
    const pending = this.pending(q.waitsFor);
    const section = `${NAMES[q.flavour].title} read-side section`;
    if (pending.includes(cpu)) return `self-deadlock: cpu${cpu} calls ${name} inside its own ${section}`;
    return `cpu${cpu} waits in ${name} for the ${NAMES[q.flavour].call} of cpu${q.cpu}, whose grace period waits for the ${section} of ${cpus(pending)}`;
  }
}

function cpus(list: readonly number[]): string {
  return list.map((c) => `cpu${c}`).join(', ');
}
