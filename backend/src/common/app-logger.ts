import { ConsoleLogger, LogLevel } from '@nestjs/common';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/**
 * The backend's logger. `json`: one JSON object per line ({level, pid, timestamp, message, context}),
 * never coloured, for journald, files and log shippers. `pretty`: Nest's text lines, coloured only
 * when stdout is a terminal. Without a format: pretty on a terminal, json otherwise.
 */
export function createAppLogger(level: LogLevel, format: 'json' | 'pretty' | undefined, stdoutIsTty: boolean): ConsoleLogger {
  const json = (format ?? (stdoutIsTty ? 'pretty' : 'json')) === 'json';
  return new ConsoleLogger({ logLevels: LEVELS.slice(0, LEVELS.indexOf(level) + 1), json, colors: !json && stdoutIsTty });
}
