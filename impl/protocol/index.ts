/** The harness side of the kfmd protocol (PROTOCOL.md): an out-of-process implementation as an Implementation. */
export { PROTOCOL_VERSION } from './version.ts';
export { commandImplementation, DEFAULT_STEP_BUDGET, DEFAULT_WALL_BUDGET_MS } from './implementation.ts';
export type { CommandImplementation, CommandOptions } from './implementation.ts';
export { ImplCommandError, ProtocolFailure } from './failure.ts';
export { withStepBudget } from './step-budget.ts';
