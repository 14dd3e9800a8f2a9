export * from './encoding/pem.ts';
export * from './profile/index.ts';
