import type { Implementation } from '../../impl/contract/index.ts';
import { kfmd } from '../../impl/kfmd/store.ts';
import { locked } from '../../impl/locked/store.ts';
import { may25 } from '../../impl/may25/store.ts';
import { v4 } from '../../impl/v4/store.ts';
import { MUTANTS } from './mutants/index.ts';

/** Every implementation kfmd knows by name: the built-in designs first, then the mutants. A plain list, no registration. */
export const IMPLEMENTATIONS: readonly Implementation[] = [v4, locked, kfmd, may25, ...MUTANTS];

export function implementationByName(name: string): Implementation | undefined {
  return IMPLEMENTATIONS.find((i) => i.name === name);
}
