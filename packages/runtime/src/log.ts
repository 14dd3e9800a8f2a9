import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names whose values never reach a log line: credentials, PIN material, the
 * 個人番号 and anything that carries a key or a token.
 */
export const SECRET_FIELDS = [
  'pin',
  'authPin',
  'signPassword',
  'password',
  'newPin',
  'individualNumber',
  'verificationCodeA',
  'verificationCodeB',
  'securityCode',
  'privateKey',
  'client_secret',
  'client_assertion',
  'code_verifier',
  'access_token',
  'id_token',
  'refresh_token',
  'cardNumber',
  'cvc',
] as const;

export function redactPaths(): string[] {
  const paths: string[] = [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["dpop"]',
    'res.headers["set-cookie"]',
  ];
  for (const f of SECRET_FIELDS) paths.push(f, `*.${f}`, `*.*.${f}`);
  return paths;
}

export function loggerOptions(level: string, name?: string): LoggerOptions {
  return {
    level,
    ...(name ? { name } : {}),
    redact: { paths: redactPaths(), censor: '[redacted]' },
  };
}

export function createLogger(level = 'info', name?: string): Logger {
  return pino(loggerOptions(level, name));
}

/** A logger that writes nothing: for tests and library callers without logging. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
