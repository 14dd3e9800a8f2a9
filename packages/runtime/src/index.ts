export * from './config.ts';
export * from './errors.ts';
export * from './http/index.ts';
export * from './log.ts';
export * from './mail/index.ts';
export * from './part.ts';
export * from './state/index.ts';
export * from './storage/index.ts';
