import type { Oracle } from '../../../model/index.ts';
import type { World } from '../core/world.ts';

/** A world the sequential driver judges command by command: the model steps beside it. */
export interface SequentialWorld extends World {
  readonly oracle: Oracle;
}
