/**
 * The operations a property can issue, as plain data: fast-check generates
 * them, the executor runs them, counterexample files store them, and
 * `kfmd replay` runs them again. Everything here serialises to JSON.
 */
export type Command =
  | { readonly op: 'lock' }
  | { readonly op: 'unlock' }
  | { readonly op: 'get'; readonly fn: string }
  /** put the md the caller got from its latest get of fn; `stale` passes the pointer as it was then, across any growth since (D6) */
  | { readonly op: 'put'; readonly fn: string; readonly stale?: boolean }
  | { readonly op: 'put_by_ip'; readonly fn: string }
  | { readonly op: 'find'; readonly fn: string }
  /** the next page allocation fails */
  | { readonly op: 'fail_alloc' }
  /** another subsystem writes these bytes over fn's md window */
  | { readonly op: 'foreign_write'; readonly fn: string; readonly bytes: readonly number[] };

export type CommandOp = Command['op'];

/** A command written as a kernel developer would write the call. */
export function describeCommand(cmd: Command): string {
  switch (cmd.op) {
    case 'lock':
      return 'kfunc_md_lock();';
    case 'unlock':
      return 'kfunc_md_unlock();';
    case 'get':
      return `md_${cmd.fn} = kfunc_md_get(${cmd.fn});`;
    case 'put':
      return cmd.stale ? `kfunc_md_put(md_${cmd.fn}); /* pointer held across growth */` : `kfunc_md_put(md_${cmd.fn});`;
    case 'put_by_ip':
      return `kfunc_md_put_by_ip(${cmd.fn});`;
    case 'find':
      return `kfunc_md_find(${cmd.fn});`;
    case 'fail_alloc':
      return '/* fault */ fail_next_page_allocation();';
    case 'foreign_write':
      return `/* fault */ foreign_write(${cmd.fn} md window, ${cmd.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')});`;
  }
}

export function isCommand(value: unknown): value is Command {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const fnOk = typeof v['fn'] === 'string';
  switch (v['op']) {
    case 'lock':
    case 'unlock':
    case 'fail_alloc':
      return true;
    case 'get':
    case 'put_by_ip':
    case 'find':
      return fnOk;
    case 'put':
      return fnOk && (v['stale'] === undefined || typeof v['stale'] === 'boolean');
    case 'foreign_write':
      return fnOk && Array.isArray(v['bytes']) && v['bytes'].every((b) => Number.isInteger(b) && b >= 0 && b <= 255);
    default:
      return false;
  }
}
