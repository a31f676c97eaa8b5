import type { StoreFactory } from '../../impl/contract/index.ts';
import { v4 } from '../../impl/v4/store.ts';
import { locked } from '../../impl/locked/store.ts';
import type { SlotPolicy } from '../../model/index.ts';
import { MUTANTS } from './mutants/index.ts';

/** An implementation the harness can check: the reference ones, mutants, later users' plugins. */
export interface Implementation {
  readonly name: string;
  readonly description: string;
  readonly factory: StoreFactory;
  /** how the model judges its slot choice: exactly (v4's lowest free) or by relation */
  readonly slotPolicy: SlotPolicy;
}

const REFERENCE: readonly Implementation[] = [
  {
    name: 'v4',
    description: 'the seed design (kfunc_md v4, March 2025), faithful to spec §2',
    factory: v4,
    slotPolicy: 'lowest-free',
  },
  {
    name: 'locked',
    description:
      'correct by construction: one mutex around everything, grace period before slot reuse, retired arrays kept',
    factory: locked,
    slotPolicy: 'any-free',
  },
];

const extra: Implementation[] = [];

/** Mutants and plugins add themselves here. */
export function registerImplementation(impl: Implementation): void {
  if (implementations().some((i) => i.name === impl.name))
    throw new Error(`implementation "${impl.name}" registered twice`);
  extra.push(impl);
}

export function implementations(): readonly Implementation[] {
  return [...REFERENCE, ...extra];
}

export function implementationByName(name: string): Implementation | undefined {
  return implementations().find((i) => i.name === name);
}

// deliberately broken v4s (properties/impls/mutants), after the reference list; mutants/ imports only types from here
for (const m of MUTANTS) registerImplementation(m);
