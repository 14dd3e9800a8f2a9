/** `@honnin/card`: the virtual My Number Card, its store and issuing (Node). Browser code uses `@honnin/card/client`. */
export * from './apdu/bytes.ts';
export * from './apdu/command.ts';
export * from './apdu/status.ts';
export * from './applets/applet.ts';
export { JPKI_EF, JPKI_KEY, JPKI_PIN } from './applets/jpki.ts';
export * from './card.ts';
export * from './client/index.ts';
export { CARD_FACE_PIN } from './issuing/card-face-ap.ts';
export { CARD_INFO_PIN } from './issuing/card-info-ap.ts';
export * from './issuing/certification.ts';
export { checkDigit, isValidIndividualNumber } from './issuing/individual-number.ts';
export * from './issuing/issue-card.ts';
export { verificationCodeB } from './issuing/verification-code.ts';
export * from './store/card-store.ts';
export { MemoryTransport } from './transports/memory.ts';
