export * from './forms.ts';
export * from './html.ts';
export * from './i18n.ts';
export * from './install.ts';
export * from './layout.ts';
export * from './session.ts';
export * from './validation.ts';
