import type { EntryLayout, KfuncMdStore, StoreView, TrampolineView } from '../contract/index.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { hex } from '../kernel/le.ts';
import type { Addr, Op } from '../kernel/types.ts';
import type { z } from 'zod';
import { bootInfo } from './boot.ts';
import { ProtocolFailure } from './failure.ts';
import { mdValueSchema, parseValue, trampolineValueSchema, viewValueSchema } from './messages.ts';
import { allowed, performQuiet, performShared } from './perform.ts';
import type { Phase } from './perform.ts';
import type { Call } from './messages.ts';
import type { ImplProcess } from './process.ts';
import { callLine, createLine, okLine } from './requests.ts';
import type { Reply, Verb } from './requests.ts';

export interface StoreOptions {
  /** messages one verb may send before kfmd gives up on it */
  readonly stepBudget: number;
  /** what inspect() reports once the process has failed: the last layout it reported */
  readonly layout: () => EntryLayout;
  /** told each layout a healthy inspect() reports */
  readonly sawLayout: (layout: EntryLayout) => void;
}

type Args = { readonly ip?: Addr; readonly md?: Addr; readonly rcu?: boolean };

/**
 * A store whose verbs run in the implementation process: each verb sends its call, then turns
 * every message the process sends into the same Memory operation a TypeScript store performs
 * (one yield each) and answers it, until the process returns. The process keeps no state of its
 * own: its globals and arrays are in the kernel's memory, and inspect() is a function of what it
 * peeks, so its view is reused for as long as those peeks would answer the same.
 */
export class ProtocolStore implements KfuncMdStore {
  /** a fatal failure: every later verb throws it again */
  private failure: Error | null = null;
  private view: StoreView | null = null;
  /** the peeks the last inspect() made, with their answers: while they answer the same, so does it */
  private viewReads: readonly { readonly call: Call; readonly reply: Reply }[] = [];

  constructor(
    readonly name: string,
    private readonly proc: ImplProcess,
    private readonly kernel: Kernel,
    private readonly opts: StoreOptions,
    /** which create() of the process this store is */
    private readonly id: number,
  ) {}

  /** Resets the process to a fresh store on `kernel`; failures make a store whose verbs throw them. */
  static create(name: string, proc: ImplProcess, kernel: Kernel, opts: StoreOptions): ProtocolStore {
    const id = ++proc.store;
    const store = new ProtocolStore(name, proc, kernel, opts, id);
    try {
      if (!proc.alive) proc.start();
      const op = proc.nextOp();
      store.exchange('create', 'create', createLine(op, bootInfo(kernel)), op);
    } catch (err) {
      store.fail(err);
      // a BUG in create leaves no store to use either
      store.failure ??= asError(err);
    }
    return store;
  }

  /** A store whose every verb throws `failure` (the process never shook hands). */
  static failed(name: string, proc: ImplProcess, kernel: Kernel, opts: StoreOptions, failure: Error): ProtocolStore {
    const store = new ProtocolStore(name, proc, kernel, opts, ++proc.store);
    store.failure = failure;
    return store;
  }

  *lock(): Op<void> {
    yield* this.verb('lock', {}, null);
  }

  *unlock(): Op<void> {
    yield* this.verb('unlock', {}, null);
  }

  *get(ip: Addr): Op<Addr> {
    return yield* this.verb('get', { ip }, mdValueSchema);
  }

  *put(md: Addr): Op<void> {
    yield* this.verb('put', { md }, null);
  }

  *putByIp(ip: Addr): Op<void> {
    yield* this.verb('put_by_ip', { ip }, null);
  }

  *find(ip: Addr): Op<Addr> {
    return yield* this.verb('find', { ip }, mdValueSchema);
  }

  *trampoline(ip: Addr, opts: { readonly rcu: boolean }): Op<TrampolineView> {
    return yield* this.verb('trampoline', { ip, rcu: opts.rcu }, trampolineValueSchema);
  }

  inspect(): StoreView {
    if (this.failure) return this.view ?? this.emptyView();
    if (this.view && this.viewReads.every((r) => performQuiet(r.call, this.kernel) === r.reply)) return this.view;
    try {
      this.usable();
      const op = this.proc.nextOp();
      const reads: { call: Call; reply: Reply }[] = [];
      const value = this.exchange('inspect', 'inspect', callLine(op, 'inspect'), op, reads);
      const v = parseValue(viewValueSchema, value, 'inspect');
      const { retained, ...rest } = v;
      this.view = retained ? { ...rest, retained } : rest;
      this.viewReads = reads;
      this.opts.sawLayout(v.layout);
      return this.view;
    } catch (err) {
      // the next verb reports it; the harness still needs a view until then
      this.fail(err);
      return this.view ?? this.emptyView();
    }
  }

  private *verb<T>(verb: Verb, args: Args, schema: z.ZodType<T> | null): Op<T> {
    const during = describe(verb, args);
    try {
      this.usable();
      const proc = this.proc;
      const op = proc.nextOp();
      proc.send(callLine(op, verb, args), during);
      let steps = 0;
      for (;;) {
        const m = proc.receive(during);
        if (m.t === 'ret') return this.returned(m.value, schema, during);
        if (m.t === 'bug') throw new ProtocolFailure(`BUG: ${m.message}`, false);
        if (++steps > this.opts.stepBudget)
          throw new ProtocolFailure(
            `more than ${this.opts.stepBudget} messages in ${during} (the step budget per operation; process killed)`,
            true,
          );
        allowed(m, 'verb', during);
        const reply = yield* performShared(m, this.kernel);
        // another store may have been created while this verb was suspended
        this.usable();
        proc.send(okLine(op, reply), during);
      }
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  /** create and inspect: no scheduling point, so their calls are answered at once (and recorded in `reads`). */
  private exchange(
    phase: Phase,
    during: string,
    line: string,
    op: number,
    reads: { call: Call; reply: Reply }[] = [],
  ): unknown {
    const proc = this.proc;
    proc.send(line, during);
    for (let steps = 0; ; steps++) {
      const m = proc.receive(during);
      if (m.t === 'ret') return m.value;
      if (m.t === 'bug') throw new ProtocolFailure(`BUG: ${m.message}`, false);
      if (steps >= this.opts.stepBudget)
        throw new ProtocolFailure(
          `more than ${this.opts.stepBudget} messages in ${during} (the step budget per operation; process killed)`,
          true,
        );
      allowed(m, phase, during);
      const reply = performQuiet(m, this.kernel);
      reads.push({ call: m, reply });
      proc.send(okLine(op, reply), during);
    }
  }

  private returned<T>(value: unknown, schema: z.ZodType<T> | null, during: string): T {
    if (schema) return parseValue(schema, value, during);
    if (value !== undefined)
      throw new ProtocolFailure(
        `malformed message during ${during}: it returns nothing, got ${JSON.stringify(value)}`,
        true,
      );
    // a verb without a value: T is void
    return undefined as T;
  }

  private usable(): void {
    if (this.failure) throw this.failure;
    if (this.proc.store !== this.id)
      throw new Error('this store was replaced by a newer create(): an --impl-cmd process runs one store at a time');
  }

  private fail(err: unknown): void {
    // a BUG ends one verb; a fatal failure leaves the process in an unknown state: it goes, and
    // the store with it; a kernel error (a store64 of a non-address) leaves it waiting for an
    // answer the store will not give
    if (err instanceof ProtocolFailure && !err.fatal) return;
    if (err instanceof ProtocolFailure && this.proc.store === this.id) this.proc.kill();
    this.failure ??= asError(err);
  }

  private emptyView(): StoreView {
    const layout = this.opts.layout();
    return {
      arrayBase: 0,
      count: 0,
      used: 0,
      order: -1,
      entriesPerPage: Math.floor(this.kernel.pageSize / layout.size),
      layout,
      entries: [],
    };
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function describe(verb: Verb, args: Args): string {
  const at = args.ip ?? args.md;
  const rcu = args.rcu === undefined ? '' : args.rcu ? ', rcu' : ', no rcu';
  return `${verb}(${at === undefined ? '' : hex(at)}${rcu})`;
}
