/**
 * One pino logger per process, shared by the HTTP server and the background work: fixed
 * messages, the particulars as fields (`log.warn({ renderId }, 'render requeued')`).
 */
import { pino, type Logger } from 'pino';
import type { ControlPlaneConfig } from './config.js';

export type { Logger };

/** Credentials that must never reach a log line, wherever they appear in a request. */
const REDACT = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'];

export function createLogger(level: ControlPlaneConfig['logLevel'], role: string): Logger {
  return pino({ level, base: { service: 'cutline', role }, redact: REDACT });
}

/** A `(message, fields)` callback at one level, for the parts that take one. */
export function logAt(
  logger: Logger,
  level: 'info' | 'warn' | 'error',
): (message: string, fields?: Record<string, unknown>) => void {
  return (message, fields) => logger[level](fields ?? {}, message);
}
