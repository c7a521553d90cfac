// Structured logs: one JSON object per line on stderr, for the worker and the SDK's own logs.
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

export function jsonLine(level: string, message: string, meta?: Record<string, unknown>): string {
  return JSON.stringify({
    time: new Date().toISOString(),
    level: level.toLowerCase(),
    msg: message,
    ...meta,
  });
}

/** Errors do not survive JSON.stringify; keep their name, message and stack. */
function serializable(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta ?? {})) {
    out[k] =
      v instanceof Error
        ? {
            name: v.name,
            message: v.message,
            stack: v.stack,
            cause: v.cause instanceof Error ? v.cause.message : v.cause,
          }
        : v;
  }
  return out;
}

export function createJsonLogger(level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    process.stderr.write(
      `${JSON.stringify({ time, level: entry.level.toLowerCase(), msg: entry.message, ...serializable(entry.meta) })}\n`,
    );
  });
}
