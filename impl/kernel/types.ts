/**
 * The vocabulary every simulated kernel operation speaks.
 *
 * An operation is a generator: it yields a Step just BEFORE each shared access and performs the
 * access when it is resumed. A scheduler can therefore interleave CPUs at every access; running
 * one operation alone is just "resume until done" (see run.ts).
 */

/** Simulated addresses are plain numbers (all below 2^48, so they stay exact doubles). */
export type Addr = number;

export type StepKind =
  | 'load8'
  | 'load32'
  | 'load64'
  | 'store8'
  | 'store32'
  | 'store64'
  | 'mutex_lock'
  | 'mutex_unlock'
  | 'rcu_read_lock'
  | 'rcu_read_unlock'
  | 'sync_rcu'
  | 'alloc_pages'
  | 'free_pages';

export interface Step {
  readonly kind: StepKind;
  readonly addr?: Addr;
  /** bytes accessed (loads/stores) or bytes requested/released (alloc_pages/free_pages) */
  readonly size?: number;
  /** value being stored (stores only) */
  readonly value?: number;
  /** page order (alloc_pages/free_pages only) */
  readonly order?: number;
  /** mutex name (mutex_lock/mutex_unlock only) */
  readonly lock?: string;
  /** true while resuming this generator cannot make progress (mutex held, grace period pending) */
  readonly blocked?: boolean;
  /** human-readable explanation; on a blocked step it names who is blocking and why */
  readonly note?: string;
}

/** An operation yielding Steps and finally returning T. Compose with `yield*`. */
export type Op<T> = Generator<Step, T, void>;

/** Negative errno values returned by text pokes (the kernel's -EBUSY, -EINVAL, -EFAULT of errno-base.h). */
export const EFAULT = 14;
export const EBUSY = 16;
export const EINVAL = 22;
