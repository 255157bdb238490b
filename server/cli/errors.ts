/**
 * Errors of the operator commands: a message a person can act on and an exit
 * code (1: the hub refused or cannot be reached; 2: a usage error, nothing sent).
 * Never a stack trace.
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
  }
}

/** Exits with `code` once what was written to stdout and stderr is out. */
export function exitAfterFlush(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/** A quiet end when stdout's reader goes away (`tidings tail t | head -3`). */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`tidings: cannot write to stdout: ${error.message}\n`);
    process.exit(1);
  });
}

/**
 * Wraps a command's action: runs it, then exits with the code it returns; a
 * CliError prints its message, anything else only its message (a bug, exit 1).
 */
export function action<A extends unknown[]>(run: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitQuietlyOnClosedStdout();
    let code: number;
    try {
      code = await run(...args);
    } catch (error) {
      const cliError = error instanceof CliError;
      process.stderr.write(`tidings: ${error instanceof Error ? error.message : String(error)}\n`);
      code = cliError ? error.exitCode : 1;
    }
    exitAfterFlush(code);
  };
}
