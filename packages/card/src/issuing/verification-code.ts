import { eraYYMMDD, japanYear } from '@honnin/jpki/profile';

/**
 * 照合番号B (card.md): 14 digits = birth date as Japanese-era YYMMDD, the card's
 * expiry year (western YYYY, in Japan time) and the 4-digit security code printed
 * on the card face.
 */
export function verificationCodeB(birthDate: string, cardExpiresAt: Date, securityCode: string): string {
  if (!/^[0-9]{4}$/.test(securityCode)) throw new RangeError('the security code has 4 digits');
  return `${eraYYMMDD(birthDate)}${japanYear(cardExpiresAt)}${securityCode}`;
}
