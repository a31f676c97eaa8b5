import type { ConcurrentOperation } from '../core/operations.ts';

/**
 * A completed (or pending) operation as the linearizability checker sees it. Times are in
 * half-steps: the k-th performed step happens at 2k+1, an operation without any shared access
 * at the even time between steps. An operation precedes another iff its ret < the other's call.
 */
export interface HistoryOp {
  readonly id: number;
  readonly cpu: number;
  /** position in the CPU's program */
  readonly index: number;
  readonly op: ConcurrentOperation;
  /** set when the first step is performed */
  call: number;
  /** null while pending (the run stopped first) */
  ret: number | null;
  /** put: the slot index of the md this CPU passes (from its own get) */
  readonly putIndex?: number;
  /** put: the array base of the store when that md was returned */
  readonly putBase?: number;
  /** put: when it returned, the store's array was no longer that one (a pointer held across growth) */
  staleMd?: true;
  result?: OpResult;
}

/** Implementation responses, abstracted to what the model can predict. */
export type OpResult =
  /** get: slot index of the returned md, null for NULL, 'bogus' for a pointer into no array */
  | { readonly kind: 'get'; readonly index: number | null | 'bogus' }
  | { readonly kind: 'put'; readonly warned: boolean }
  /** trampoline: the md found, and whether what it read (users >= 1, func == ip) belongs to the function */
  | { readonly kind: 'find'; readonly index: number | null | 'bogus'; readonly consistent: boolean };

export function describeResult(r: OpResult | undefined): string {
  if (!r) return 'pending';
  switch (r.kind) {
    case 'get':
      return r.index === null ? 'NULL' : r.index === 'bogus' ? 'bogus md' : `md #${r.index}`;
    case 'put':
      return r.warned ? 'WARN' : 'ok';
    case 'find':
      return r.index === null
        ? 'NULL'
        : r.index === 'bogus'
          ? 'bogus md'
          : `md #${r.index}${r.consistent ? '' : ' (not its own)'}`;
  }
}
