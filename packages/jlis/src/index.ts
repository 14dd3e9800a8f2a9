export * from './ca/authority.ts';
export * from './issuance.ts';
export * from './jlis.ts';
export * from './municipalities.ts';
export type { JlisDB } from './store/schema.ts';
