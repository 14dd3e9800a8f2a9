export { type Client, type ClientInput, ClientRegistry } from './clients/registry.ts';
export { OUTCOMES, type OutcomeCode } from './outcomes.ts';
export { createPlatform, type Platform, type PlatformOptions } from './platform.ts';
