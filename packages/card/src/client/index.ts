/**
 * `@honnin/card/client`: what a browser page (the citizen's app) bundles to
 * drive a card: the JPKI client, the APDU codec and the WebSocket tap
 * transport. No Node modules, no Buffer: Uint8Array and WebCrypto only.
 */
export { base64, fromBase64, fromHex, hex } from '../apdu/bytes.ts';
export { type CommandApdu, encodeCommand, parseCommand } from '../apdu/command.ts';
export { parseResponse, SW, swHex } from '../apdu/status.ts';
export { AID } from '../applets/applet.ts';
export type { CardFace } from '../formats/card-face.ts';
export type { CardBasicInfo } from '../formats/card-info.ts';
export { parseCvCertificate } from '../formats/cv-certificate.ts';
export { DIGEST_INFO_PREFIX, digestInfo, type HashName, type RsaPublicKey } from '../formats/rsa.ts';
export type { CardTransport } from '../transports/transport.ts';
export { CLOSE_CARD_REMOVED, type TapHello, WebSocketTransport } from '../transports/websocket.ts';
export {
  CardDataInvalidError,
  CardError,
  CardRemovedError,
  CardStatusError,
  NoSignatureCertificateError,
  PinFormatError,
  PinLockedError,
  WrongPinError,
} from './errors.ts';
export {
  type CardInfo,
  type CardInfoCredential,
  JpkiClient,
  type JpkiClientOptions,
  type JpkiKey,
  type PinName,
  type ReadCardFace,
  type TokenName,
} from './jpki-client.ts';
