import { loggerOptions } from '@honnin/runtime';
import { type Logger, pino } from 'pino';

/** A logger as the parts get one (info level, secrets redacted) whose lines the test can read. */
export function capturedLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const logger = pino(loggerOptions('info', 'test'), { write: (line: string) => void lines.push(line) });
  return { logger, text: () => lines.join('') };
}
