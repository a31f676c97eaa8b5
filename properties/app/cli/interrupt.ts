/**
 * Ctrl-C and kill during a check: the first SIGINT or SIGTERM stops the run at the next property
 * (or configuration) boundary, so the summary of what was checked and every counterexample found
 * so far survive; the exit status is then 128 + the signal number, as a shell reports it. The
 * checks themselves are synchronous, so the handlers only run where the loop yields
 * (yieldToSignals): one property, or one configuration's concurrent search, is the longest wait.
 */

/** Exit statuses for the signals kfmd stops on. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface Interruption {
  /** The signal that asked the run to stop, or null. */
  readonly signal: StopSignal | null;
  /** Removes the handlers (the default action comes back). */
  dispose(): void;
}

export function watchInterrupts(): Interruption {
  let signal: StopSignal | null = null;
  const on = (s: StopSignal) => () => {
    // a second signal means "now": leave with the status the first one asked for
    if (signal !== null) process.exit(SIGNAL_EXIT[signal]);
    signal = s;
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    get signal() {
      return signal;
    },
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** Lets pending signal handlers run between two synchronous pieces of work. */
export function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The line that ends an interrupted run's report. */
export function interruptedLine(signal: StopSignal, done: number, total: number, what: string, saved: number): string {
  return `interrupted by ${signal} after ${done} of ${total} ${what}; ${saved} counterexample(s) found so far are saved (replay each with kfmd replay FILE)`;
}
