import { pino, type Logger } from 'pino';

/** The root logger: JSON lines on stdout, one child per component and connection. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
