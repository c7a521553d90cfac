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

export function createJsonLogger(level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    process.stderr.write(
      `${JSON.stringify({ time, level: entry.level.toLowerCase(), msg: entry.message, ...entry.meta })}\n`,
    );
  });
}
