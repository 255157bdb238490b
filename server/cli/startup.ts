/**
 * What `tidings serve` tells a person on stderr: where the hub listens once it does,
 * or one line saying which setting stopped it and how to fix it. The JSON log lines
 * on stdout stay for log collectors.
 */
import { authEnabled, SettingsError, type Naming, type Settings } from '../config.js';
import { DataDirError } from '../store/data-dir-lock.js';

/** An address a browser on this machine can open for a hub bound to `host`. */
function browsable(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** e.g. `listening on http://127.0.0.1:8080 (WebSocket ws://127.0.0.1:8080/ws), auth off — demo page at http://127.0.0.1:8080/` */
export function listeningLine(s: Settings, port: number): string {
  const base = `${browsable(s.host)}:${port}`;
  const wildcard = s.host === '0.0.0.0' || s.host === '::' || s.host === '';
  const where = wildcard ? `all addresses (${s.host || '0.0.0.0'}), port ${port}: http://${base} from this machine` : `http://${base}`;
  const auth = authEnabled(s);
  const demo = !s.demo ? ''
    : auth ? ` — demo page at http://${base}/?token=<JWT> (make one with: tidings gen-token --subscribe 'demo.*' --publish demo.chat)`
      : ` — demo page at http://${base}/`;
  return `listening on ${where} (WebSocket ws://${base}/ws), auth ${auth ? 'on' : 'off'}${demo}`;
}

export interface StartFailure {
  /** One line, without the `tidings: ` prefix. */
  line: string;
  /** 2: a setting is wrong; 1: the machine is not ready for it (a port in use, a folder not writable). */
  exitCode: 1 | 2;
}

/**
 * Node's own listen errors (`listen EADDRINUSE: address already in use 127.0.0.1:8080`),
 * when a transport passes one on as is, say what the code means and which flag to change.
 */
function listenFailure(error: NodeJS.ErrnoException, s: Settings, name: Naming): string | undefined {
  if (error.syscall === 'getaddrinfo') return `${name.withValue('host', s.host)}: unknown host name: use an IP address such as 127.0.0.1, or 0.0.0.0 for all`;
  if (error.syscall !== 'listen' || !/^listen E/.test(error.message)) return undefined;
  const address = `${browsable(s.host)}:${s.port}`;
  switch (error.code) {
    case 'EADDRINUSE': return `${name.withValue('port', s.port)}: ${address} is in use by another program: stop it or pick another --port`;
    case 'EACCES': return `${name.withValue('port', s.port)}: not allowed to listen on ${address} (ports below 1024 need root): pick a port of 1024 or more`;
    case 'EADDRNOTAVAIL': return `${name.withValue('host', s.host)}: not an address of this machine: use 127.0.0.1, 0.0.0.0 for all addresses, or one it has`;
    default: return undefined;
  }
}

/** The line to print for an error `serve` threw while starting. */
export function startFailure(error: unknown, s: Settings, name: Naming): StartFailure {
  if (error instanceof SettingsError) return { line: error.message, exitCode: 2 };
  if (error instanceof DataDirError) return { line: `${name.withValue('data', error.dir)}: ${error.problem}: ${error.fix}`, exitCode: 1 };
  const listen = listenFailure(error as NodeJS.ErrnoException, s, name);
  if (listen) return { line: listen, exitCode: 1 };
  return { line: error instanceof Error ? error.message : String(error), exitCode: 1 };
}

/** What the JSON log line keeps of a start-up error: its kind and message, no stack (the line above says what to fix). */
export function briefError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as NodeJS.ErrnoException).code;
  return { type: error.name, message: error.message, ...(typeof code === 'string' && { code }) };
}
