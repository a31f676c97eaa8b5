import type { Implementation } from '../../impl/contract/index.ts';
import { jul25 } from '../../impl/jul25/store.ts';
import { kfmd } from '../../impl/kfmd/store.ts';
import { locked } from '../../impl/locked/store.ts';
import { may25 } from '../../impl/may25/store.ts';
import { rht } from '../../impl/rht/store.ts';
import { v4 } from '../../impl/v4/store.ts';
import { MUTANTS } from './mutants/index.ts';

/** Every implementation kfmd knows by name: the built-in designs first, then the mutants. A plain list, no registration. */
export const IMPLEMENTATIONS: readonly Implementation[] = [v4, locked, kfmd, may25, jul25, rht, ...MUTANTS];

/** The built-in designs: every implementation above that is not a mutant (`kfmd check --impl all` compares them). */
export const DESIGNS: readonly Implementation[] = IMPLEMENTATIONS.filter((i) => !MUTANTS.includes(i));

export function implementationByName(name: string): Implementation | undefined {
  return IMPLEMENTATIONS.find((i) => i.name === name);
}
