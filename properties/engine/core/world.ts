import type { Kernel } from '../../../impl/kernel/kernel.ts';
import type { KfuncMdStore, StoreFactory } from '../../../impl/contract/index.ts';
import { configurationByName } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { Oracle } from '../../../model/index.ts';
import type { SlotPolicy } from '../../../model/index.ts';
import { bootKernel, modelInputFor } from './boot.ts';
import type { Scenario } from './scenario.ts';

/** The model and the implementation side by side, built from one scenario. */
export interface World {
  readonly config: Configuration;
  readonly kernel: Kernel;
  readonly store: KfuncMdStore;
  readonly oracle: Oracle;
  /** function name → entry address in the implementation's text */
  readonly ip: ReadonlyMap<string, number>;
  /** entry address → function name */
  readonly nameAt: ReadonlyMap<number, string>;
  /** [start, end) of every padded function's md window, at the model's offsets */
  readonly windows: ReadonlyMap<string, readonly [number, number]>;
}

export function buildWorld(
  scenario: Scenario,
  factory: StoreFactory,
  opts: { slotPolicy?: SlotPolicy; coverage?: Map<string, number>; pokeByteOrder?: readonly number[] } = {},
): World {
  const config = configurationByName(scenario.config);
  const { kernel, ip, nameAt, windows } = bootKernel(config, {
    ...scenario,
    ...(opts.pokeByteOrder ? { pokeByteOrder: opts.pokeByteOrder } : {}),
  });
  const store = factory(kernel);
  const oracle = new Oracle(modelInputFor(config, scenario, opts.slotPolicy ?? 'lowest-free'), opts.coverage);
  return { config, kernel, store, oracle, ip, nameAt, windows };
}

/** The bytes of fn's md window as the implementation's text holds them now. */
export function implWindow(world: World, fn: string): number[] {
  const range = world.windows.get(fn);
  if (!range) return [];
  return [...world.kernel.mem.peekBytes(range[0], range[1] - range[0])];
}

/** Turn an md pointer from the implementation into a slot index of its current array, or describe why not. */
export function mdIndex(world: World, md: number): { index: number } | { bogus: string } | null {
  if (md === 0) return null;
  const view = world.store.inspect();
  if (view.arrayBase === 0) return { bogus: `pointer ${hexAddr(md)} while no array exists` };
  const offset = md - view.arrayBase;
  if (offset < 0 || offset % 16 !== 0 || offset / 16 >= view.count)
    return { bogus: `pointer ${hexAddr(md)} outside the array [${hexAddr(view.arrayBase)}, +${view.count}×16)` };
  return { index: offset / 16 };
}

export function hexAddr(addr: number): string {
  return `0x${addr.toString(16)}`;
}
