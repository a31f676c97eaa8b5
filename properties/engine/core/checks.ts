/** The checks made after every command, in the order they are made. */
export type CheckName =
  | 'contract' // the model names a self-deadlock or an API contract violation
  | 'deadlock' // the implementation hung where the model expected progress
  | 'crash' // the implementation threw
  | 'result' // md identity/index, NULL, WARN or not
  | 'I7' // the md window is free at boot (never overlaps kCFI/FineIBT/thunk/CALL_OPS)
  | 'window' // every md window, decoded with the model's decoder, holds what the model expects
  | 'I6' // no byte outside the md windows changes
  | 'pokes' // a window is poked only where the model's decision table writes it
  | 'I5' // no access to freed memory
  | 'I3' // an installed index < capacity
  | 'I2' // used == number of live slots
  | 'I1' // an installed index → that entry's func is the function and users ≥ 1
  | 'I11' // capacity never shrinks
  | 'state' // capacity and used agree with the model
  | 'reader' // the trampoline sees the md the model says the function owns (I1/I4, quiescent)
  | 'pages'; // the current array is a live block of the model's order; no other block leaks

export const CHECK_DESCRIPTIONS: Readonly<Record<CheckName, string>> = {
  contract: 'the caller keeps the lock contract (the model names self-deadlocks and misuse)',
  deadlock: 'the implementation makes progress where the model does',
  crash: 'the implementation does not throw',
  result: 'results agree with the model: md identity and index, NULL, WARN fired or not',
  I7: 'I7: the md window is free at boot (no overlap with kCFI, FineIBT, thunk, CALL_OPS)',
  window: 'every md window decodes (model decoder) to what the model expects',
  I6: 'I6: no byte outside the md windows is modified',
  pokes: 'a window is text_poked only when the decision table (spec §2.4) changes it: no needless poke',
  I5: 'I5: no access to freed memory',
  I2: 'I2: used equals the number of live slots',
  I1: 'I1: an installed index names an entry whose func is the function, users ≥ 1',
  I3: 'I3: every installed index is below the capacity',
  I11: 'I11: capacity never shrinks; growth past the maximum order fails cleanly',
  state: 'capacity and used agree with the model',
  reader: 'the trampoline on every function finds the md the model says it owns, with its users and func',
  pages: 'the current array is a live page block of the order the model expects; no other block is leaked',
};

export interface Violation {
  readonly check: CheckName;
  readonly message: string;
  /** index into the executed commands of the command after which it was seen (-1: at boot) */
  readonly at: number;
  readonly fn?: string;
}
