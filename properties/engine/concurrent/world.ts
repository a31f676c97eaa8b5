import type { Kernel } from '../../../impl/kernel/kernel.ts';
import type { KfuncMdStore, StoreFactory } from '../../../impl/contract/index.ts';
import { configurationByName } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import type { ModelInput, SlotPolicy } from '../../../model/index.ts';
import { bootKernel, modelInputFor as bootModelInput } from '../core/boot.ts';
import { hexAddr } from '../core/world.ts';
import type { ConcScenario } from './scenario.ts';

/** The implementation side of one concurrent run: a fresh kernel and store per execution. */
export interface ConcWorld {
  readonly config: Configuration;
  readonly kernel: Kernel;
  readonly store: KfuncMdStore;
  readonly ip: ReadonlyMap<string, number>;
  readonly nameAt: ReadonlyMap<number, string>;
  /** [start, end) of every padded function's md window, at the configuration's offsets */
  readonly windows: ReadonlyMap<string, readonly [number, number]>;
}

export function buildConcWorld(scenario: ConcScenario, factory: StoreFactory): ConcWorld {
  const config = configurationByName(scenario.config);
  const { kernel, ip, nameAt, windows } = bootKernel(config, scenario);
  const store = factory(kernel);
  return { config, kernel, store, ip, nameAt, windows };
}

/** What the model needs to judge the same scenario (as harness/world.ts builds it for the sequential suites). */
export function modelInputFor(scenario: ConcScenario, slotPolicy: SlotPolicy): ModelInput {
  return bootModelInput(configurationByName(scenario.config), scenario, slotPolicy);
}

/** Where an md pointer points: slot `index` of the page block (array) number `array`, or nowhere. */
export function slotOf(
  kernel: Kernel,
  md: number,
): { readonly array: number; readonly index: number; readonly freed: boolean } | null {
  if (md === 0) return null;
  const blocks = kernel.pages.list();
  for (let a = 0; a < blocks.length; a++) {
    const b = blocks[a];
    const size = kernel.pageSize * 2 ** b.order;
    if (md >= b.addr && md < b.addr + size && (md - b.addr) % 16 === 0)
      return { array: a, index: (md - b.addr) / 16, freed: b.freed };
  }
  return null;
}

/** A readable name for an address: fn-N for text, md[i].field of array #a, a kernel global, or hex. */
export function nameAddress(world: ConcWorld, addr: number, statics: ReadonlyMap<number, string>): string {
  const st = statics.get(addr);
  if (st) return st;
  for (const [fn, [s]] of world.windows) {
    const ip = world.ip.get(fn)!;
    if (addr >= s && addr < ip) return `${fn}-${ip - addr}`;
  }
  const blocks = world.kernel.pages.list();
  for (let a = 0; a < blocks.length; a++) {
    const b = blocks[a];
    const size = world.kernel.pageSize * 2 ** b.order;
    if (addr >= b.addr && addr < b.addr + size) {
      const off = addr - b.addr;
      const field = off % 16 === 0 ? 'users' : off % 16 === 4 ? 'pad0' : off % 16 === 8 ? 'func' : `+${off % 16}`;
      return `A${a}[${Math.floor(off / 16)}].${field}`;
    }
  }
  return hexAddr(addr);
}

/** Addresses of the store's globals, for naming them in timelines. */
export function staticNames(kernel: Kernel): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of ['kfunc_md_count', 'kfunc_md_used', 'kfunc_mds', 'kfunc_md_released']) {
    const a = kernel.staticAddr(name);
    if (a !== undefined) out.set(a, name);
  }
  return out;
}
