import { HonninError } from '@honnin/runtime/errors';
import { swHex } from '../apdu/status.ts';

/** Errors of the JPKI client: typed, with stable codes and the tries left where it matters. Browser-safe. */
export class CardError extends HonninError {}

/** The PIN or password was wrong; `triesLeft` more attempts before the lock. */
export class WrongPinError extends CardError {
  readonly triesLeft: number;
  constructor(pin: string, triesLeft: number) {
    super('card_pin_wrong', `wrong ${pin}: ${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left`, {
      status: 401,
      details: { pin, triesLeft },
    });
    this.triesLeft = triesLeft;
  }
}

/** The PIN is locked (tries used up): only the municipal office can reset it. */
export class PinLockedError extends CardError {
  readonly triesLeft = 0;
  constructor(pin: string) {
    super('card_pin_locked', `the ${pin} is locked; the municipal office can reset it`, {
      status: 423,
      details: { pin, triesLeft: 0 },
    });
  }
}

/** A PIN that cannot be right by its shape; refused before it reaches the card (no try used). */
export class PinFormatError extends CardError {
  constructor(pin: string, rule: string) {
    super('card_pin_format', `the ${pin} must be ${rule}`, { status: 400, details: { pin } });
  }
}

/** The card left the reader (or the tap ended) during the exchange. */
export class CardRemovedError extends CardError {
  constructor(message = 'the card was removed') {
    super('card_removed', message, { status: 409 });
  }
}

/** The card has no signature certificate (holder under 15). */
export class NoSignatureCertificateError extends CardError {
  constructor() {
    super('card_no_signature_certificate', 'this card carries no signature certificate', { status: 409 });
  }
}

/** A signed record on the card did not check out (integrity record, card face, CV certificate). */
export class CardDataInvalidError extends CardError {
  constructor(what: string) {
    super('card_data_invalid', `${what} does not verify`, { status: 422 });
  }
}

/** The card answered a status word the flow does not expect. */
export class CardStatusError extends CardError {
  readonly sw: number;
  constructor(what: string, sw: number) {
    super('card_status', `${what} failed: status ${swHex(sw)}`, { status: 502, details: { sw: swHex(sw) } });
    this.sw = sw;
  }
}
