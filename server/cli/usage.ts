/**
 * The conventions every `tidings` command follows: `--version`; a usage error (an
 * unknown option, a bad or missing value) is one line in plain words plus a hint
 * where the help is, never the whole help, and exits 2.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/** The version in the package.json above this file: the repository's, or the installed package's. */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'tidings' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here, or not ours: look further up.
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

function commandName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Commander's error text (`error: option '--ttl <duration>' argument '0s' is invalid. …`) in plain words. */
export function plainUsageError(text: string, command: Command): string {
  const message = text.replace(/^error: /, '').trimEnd();
  const name = commandName(command);
  const didYouMean = (hint: string | undefined): string => (hint ? ` (did you mean ${hint}?)` : '');
  let m: RegExpExecArray | null;
  if ((m = /^unknown option '([^']+)'(?:\n\(Did you mean (\S+)\?\))?$/.exec(message))) {
    return `unknown option ${m[1]}${didYouMean(m[2])}`;
  }
  if ((m = /^unknown command '([^']+)'(?:\n\(Did you mean (\S+)\?\))?$/.exec(message))) {
    return `unknown command "${m[1]}"${didYouMean(m[2])}`;
  }
  if ((m = /^option '(?:-\w, )?(--[\w-]+)[^']*' argument '(.*)' is invalid\. (.*?)\.?$/s.exec(message))) {
    return `${m[1]} ${m[2]}: ${m[3]}`;
  }
  if ((m = /^option '(?:-\w, )?(--[\w-]+) (\S+)' argument missing$/.exec(message))) return `${m[1]} needs a value: ${m[1]} ${m[2]}`;
  if ((m = /^missing required argument '([^']+)'$/.exec(message))) return `missing <${m[1]}> (usage: ${name} ${command.usage()})`;
  if ((m = /^too many arguments(?: for '[^']+')?\. Expected (\d+) arguments? but got (\d+)\.$/.exec(message))) {
    const expected = Number(m[1]);
    return `${name.replace(/^tidings /, '')} takes ${expected === 0 ? 'no arguments' : `${expected} argument${expected === 1 ? '' : 's'}`} (got ${m[2]}); `
      + `usage: ${name} ${command.usage()}`;
  }
  return message;
}

/** Applies the conventions to `program` and every command under it; call once all are added. */
export function applyUsageConventions(program: Command): void {
  const apply = (command: Command): void => {
    command
      .configureOutput({ outputError: (text, write) => write(`tidings: ${plainUsageError(text, command)}\n`) })
      // Help and --version exit 0; every other exit of the parser is a usage error.
      .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
      .showHelpAfterError(command.parent ? `(run "${commandName(command)} --help" for the flags)` : '(run "tidings --help" for the commands)');
    for (const sub of command.commands) apply(sub);
  };
  apply(program);
}
