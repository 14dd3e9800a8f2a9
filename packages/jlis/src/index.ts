export * from './ca/authority.ts';
export * from './issuance.ts';
export * from './jlis.ts';
export * from './lifecycle.ts';
export * from './municipalities.ts';
export * from './records.ts';
export * from './revocation/reasons.ts';
export * from './revocation/revoker.ts';
export type { CardStatus, HolderStatus, JlisDB } from './store/schema.ts';
