import { createKernel } from '../../../impl/kernel/kernel.ts';
import type { Kernel } from '../../../impl/kernel/kernel.ts';
import { paddingImage } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import type { ModelInput, SlotPolicy } from '../../../model/index.ts';
import type { ScenarioFunction } from './scenario.ts';

/** What every harness run boots: the functions in address order, a page geometry, a poke byte order. */
export interface BootSpec {
  readonly functions: readonly ScenarioFunction[];
  readonly entriesPerPage: number;
  readonly maxOrder: number;
  readonly pokeByteOrder?: readonly number[];
}

/** The implementation's kernel for a configuration, with names and md windows mapped both ways. */
export interface BootedText {
  readonly kernel: Kernel;
  /** function name → entry address */
  readonly ip: ReadonlyMap<string, number>;
  /** entry address → function name */
  readonly nameAt: ReadonlyMap<number, string>;
  /** [start, end) of every padded function's md window, at the configuration's (model's) offsets */
  readonly windows: ReadonlyMap<string, readonly [number, number]>;
}

export function bootKernel(config: Configuration, spec: BootSpec): BootedText {
  const kernel = createKernel({
    options: config.options,
    functions: spec.functions.map((f) => ({ name: f.name, padded: f.padded, ...(f.tail ? { tail: f.tail } : {}) })),
    pageSize: spec.entriesPerPage * 16,
    maxOrder: spec.maxOrder,
    ...(spec.pokeByteOrder ? { pokeByteOrder: spec.pokeByteOrder } : {}),
  });
  const ip = new Map(kernel.functions.map((f) => [f.name, f.ip] as const));
  const nameAt = new Map(kernel.functions.map((f) => [f.ip, f.name] as const));
  const windows = new Map<string, readonly [number, number]>();
  for (const f of kernel.functions) {
    if (f.padded) windows.set(f.name, [f.ip - config.insnOffset, f.ip - config.insnOffset + config.insnSize]);
  }
  return { kernel, ip, nameAt, windows };
}

/** The model's input for the same functions: every padded window holds the configuration's boot bytes. */
export function modelInputFor(config: Configuration, spec: BootSpec, slotPolicy: SlotPolicy): ModelInput {
  const image = paddingImage(config);
  const start = config.paddingBytes - config.insnOffset;
  const bootWindow = [...image.slice(start, start + config.insnSize)];
  return {
    arch: config.arch,
    entriesPerPage: spec.entriesPerPage,
    maxOrder: spec.maxOrder,
    slotPolicy,
    functions: spec.functions.map((f) => ({ name: f.name, padded: f.padded, window: f.padded ? bootWindow : [] })),
  };
}
