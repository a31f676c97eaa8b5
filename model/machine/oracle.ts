import { initialTransition, transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { edgeId } from './graph.ts';
import type { TransitionLike } from './graph.ts';
import { kfuncMdMachine } from './machine.ts';
import type { ModelContext, ModelEvent, ModelInput, Outcome } from './types.ts';

export type ModelState = 'unlocked' | 'locked' | 'deadlocked' | 'misused';

export interface StepResult {
  readonly outcome: Outcome | null;
  readonly violation: string | null;
  readonly state: ModelState;
  /** the transition the machine took (coverage identity) */
  readonly edge: string | null;
}

/**
 * The oracle: steps the specification with xstate's pure transition() and
 * records which transitions fired. Expected results and expected bytes both
 * come from here.
 */
export class Oracle {
  private snapshot: SnapshotFrom<typeof kfuncMdMachine>;
  /** edge id → times taken */
  readonly taken: Map<string, number>;

  constructor(input: ModelInput, taken: Map<string, number> = new Map()) {
    this.snapshot = initialTransition(kfuncMdMachine, input)[0];
    // xstate keeps an exception thrown while building the context in the snapshot
    if (this.snapshot.status === 'error') throw this.snapshot.error;
    this.taken = taken;
  }

  get context(): ModelContext {
    return this.snapshot.context;
  }

  get state(): ModelState {
    if (this.snapshot.matches('deadlocked')) return 'deadlocked';
    if (this.snapshot.matches('misused')) return 'misused';
    return this.snapshot.matches({ alive: 'locked' }) ? 'locked' : 'unlocked';
  }

  get stopped(): boolean {
    return this.snapshot.status === 'done';
  }

  step(event: ModelEvent): StepResult {
    if (this.stopped) throw new Error(`the model stopped (${this.context.violation ?? this.state}); no further events`);
    const chosen = kfuncMdMachine.getTransitionData(this.snapshot, event);
    const edge = chosen.length > 0 ? edgeId(chosen[0] as unknown as TransitionLike) : null;
    if (edge) this.taken.set(edge, (this.taken.get(edge) ?? 0) + 1);
    this.snapshot = transition(kfuncMdMachine, this.snapshot, event)[0];
    return { outcome: this.context.outcome, violation: this.context.violation, state: this.state, edge };
  }
}
