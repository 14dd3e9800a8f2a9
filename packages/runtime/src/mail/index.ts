export * from './mailbox.ts';
export * from './mailer.ts';
