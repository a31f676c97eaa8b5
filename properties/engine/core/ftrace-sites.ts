import { runSequential } from '../../../impl/kernel/run.ts';
import { configFtraceCallSite } from '../../../model/config/index.ts';
import type { Violation } from './violation.ts';
import { hexAddr } from './world.ts';
import type { World } from './world.ts';

/** What I10 compares for one function: the model's BL site and the one the implementation computes. */
export interface FtraceSite {
  readonly fn: string;
  readonly ip: number;
  /** rec->ip: the address __patchable_function_entries records */
  readonly rec: number;
  /** the model: ip + the second NOP after the entry (after `bti c` when there is one) */
  readonly expected: number;
  /** the implementation's ftrace_call_adjust(rec) */
  readonly computed: number;
}

/**
 * ftrace_call_adjust(rec->ip) of every padded function next to the model's BL site (spec §5,
 * I10); empty where I10 has nothing to compare: x86, arm64 without two ftrace NOPs at the entry,
 * or a store without the hook (the check is then reported not applicable by its declaration).
 */
export function ftraceSites(world: Pick<World, 'config' | 'kernel' | 'store'>): readonly FtraceSite[] {
  const site = configFtraceCallSite(world.config);
  const adjust = world.store.ftraceCallAdjust;
  if (site === null || !adjust) return [];
  return world.kernel.functions.flatMap((f) => {
    if (!f.padded || f.patchableEntry === undefined) return [];
    const r = runSequential(world.kernel, adjust(f.patchableEntry));
    if (!r.ok) throw new Error(`ftrace_call_adjust(${hexAddr(f.patchableEntry)}) did not return: ${r.deadlock}`);
    return [{ fn: f.name, ip: f.ip, rec: f.patchableEntry, expected: f.ip + site, computed: r.value }];
  });
}

const offset = (at: number, ip: number): string => (at >= ip ? `ip+${at - ip}` : `ip-${ip - at}`);

/**
 * I10 at boot: for every padded function the implementation's ftrace_call_adjust lands on the
 * model's BL site. A wrong site is where ftrace_init_nop would expect a NOP and patch the BL: on
 * a `bti c` or on the first ftrace NOP.
 */
export function checkFtraceSites(world: Pick<World, 'config' | 'kernel' | 'store'>): Violation | null {
  if (world.config.arch === 'arm64' && configFtraceCallSite(world.config) !== null && !world.store.ftraceCallAdjust)
    return {
      check: 'I10',
      at: -1,
      message: 'the implementation declares ftraceCallAdjust, but its store has no ftraceCallAdjust(addr)',
    };
  const bad = ftraceSites(world).find((s) => s.computed !== s.expected);
  if (!bad) return null;
  const word = (at: number): string => (world.kernel.isText(at, 4) ? hexAddr(world.kernel.mem.peek32(at)) : 'no text');
  const bti = world.config.options.arch === 'arm64' && world.config.options.bti;
  return {
    check: 'I10',
    at: -1,
    fn: bad.fn,
    message:
      `ftrace_call_adjust(${hexAddr(bad.rec)}) for ${bad.fn} (rec->ip = ${offset(bad.rec, bad.ip)}) returns ${offset(bad.computed, bad.ip)}; ` +
      `the BL site is ${offset(bad.expected, bad.ip)}, the second NOP after ${bti ? '`bti c` at ip+0' : 'the entry'}: ` +
      `ftrace_init_nop would take ${offset(bad.computed - 4, bad.ip)} (${word(bad.computed - 4)}) for the NOP it patches to \`mov x9, x30\``,
    detail: { fn: bad.fn },
  };
}
