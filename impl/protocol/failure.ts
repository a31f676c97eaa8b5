/**
 * What an out-of-process implementation did wrong, as one line. The store throws it from the
 * verb that was running, so the executors report it like any plugin that throws: a crash
 * verdict naming the cause, and the run goes on with the next property.
 */
export class ProtocolFailure extends Error {
  constructor(
    message: string,
    /** whether the process is in an unknown state and must be killed before the next store */
    readonly fatal: boolean,
  ) {
    super(message);
    this.name = 'ProtocolFailure';
  }
}

/** The command cannot be started at all (no such file, not executable): a usage error before any work. */
export class ImplCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImplCommandError';
  }
}
