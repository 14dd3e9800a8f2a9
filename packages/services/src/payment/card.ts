import { japanMonth } from '@honnin/jpki/profile';

/**
 * Card checks a payment page makes before it asks the card network: the number
 * passes the Luhn check and names a known brand, the expiry month has not
 * passed, the security code has the brand's length.
 */
export type CardBrand = 'visa' | 'mastercard' | 'jcb' | 'amex' | 'diners';

export const BRAND_NAMES: Record<CardBrand, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  jcb: 'JCB',
  amex: 'American Express',
  diners: 'Diners Club',
};

/** Digits only: people type spaces and hyphens, and full-width digits on Japanese keyboards. */
export function normalizeCardNumber(input: string): string {
  return input
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s-]/g, '');
}

export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function cardBrand(digits: string): CardBrand | undefined {
  if (/^4\d{15}$/.test(digits)) return 'visa';
  if (/^(5[1-5]\d{14}|(222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)\d{12})$/.test(digits))
    return 'mastercard';
  if (/^35(2[89]|[3-8]\d)\d{12}$/.test(digits)) return 'jcb';
  if (/^3[47]\d{13}$/.test(digits)) return 'amex';
  if (/^3(0[0-5]|[689]\d)\d{11,16}$/.test(digits)) return 'diners';
  return undefined;
}

/** True when the card is usable through the end of its expiry month (MM/YY), in Japan time. */
export function expiryValid(month: number, year2: number, now: Date): boolean {
  if (
    !Number.isInteger(month) ||
    month < 1 ||
    month > 12 ||
    !Number.isInteger(year2) ||
    year2 < 0 ||
    year2 > 99
  ) {
    return false;
  }
  const [y, m] = japanMonth(now).split('-').map(Number) as [number, number];
  const fullYear = 2000 + year2;
  if (fullYear > y + 20) return false;
  return fullYear > y || (fullYear === y && month >= m);
}

export function cvcValid(cvc: string, brand: CardBrand): boolean {
  return brand === 'amex' ? /^\d{4}$/.test(cvc) : /^\d{3}$/.test(cvc);
}

/** The simulated card network's answer for test numbers (as real providers document theirs). */
export function networkDecision(digits: string): 'approved' | 'card_declined' | 'insufficient_funds' {
  if (digits.endsWith('0002')) return 'card_declined';
  if (digits.endsWith('9995')) return 'insufficient_funds';
  return 'approved';
}
