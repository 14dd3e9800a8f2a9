export * from './basic-info.ts';
export * from './client.ts';
export * from './keys.ts';
export * from './outcomes.ts';
export * from './store.ts';
