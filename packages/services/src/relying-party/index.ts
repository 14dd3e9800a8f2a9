export * from './basic-info.ts';
export * from './canonical-json.ts';
export * from './client.ts';
export * from './install.ts';
export * from './keys.ts';
export * from './outcomes.ts';
export * from './store.ts';
