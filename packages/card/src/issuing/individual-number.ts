/**
 * 個人番号: 11 digits and a check digit computed as the ordinance prescribes
 * (行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第8条):
 * Q = 11 − (Σ Pn × Qn mod 11), Pn the n-th digit from the right of the 11,
 * Qn = n + 1 for n ≤ 6 and n − 5 for n ≥ 7; 0 when the remainder is 0 or 1.
 */
export function checkDigit(first11: string): number {
  if (!/^[0-9]{11}$/.test(first11)) throw new RangeError('the check digit needs exactly 11 digits');
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = Number(first11[11 - n]);
    sum += p * (n <= 6 ? n + 1 : n - 5);
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function isValidIndividualNumber(value: string): boolean {
  return /^[0-9]{12}$/.test(value) && checkDigit(value.slice(0, 11)) === Number(value[11]);
}

/** A fresh 個人番号 from random digits (never starting with 0, as no issued number does). */
export function randomIndividualNumber(random: (n: number) => Uint8Array): string {
  const bytes = random(11);
  let digits = String(1 + (bytes[0]! % 9));
  for (let i = 1; i < 11; i++) digits += String(bytes[i]! % 10);
  return digits + checkDigit(digits);
}
