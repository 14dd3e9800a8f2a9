export * from './basic-info.ts';
export * from './era.ts';
export * from './names.ts';
export * from './oids.ts';
