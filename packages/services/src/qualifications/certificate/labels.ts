import type { Text } from '../../web/index.ts';
import type { QualificationRecord } from './record.ts';

/** How each registered item is labelled wherever a certificate is shown (page, PDF, verification). */
export const RECORD_LABELS: [keyof QualificationRecord, Text][] = [
  ['qualificationName', { ja: '資格名称', en: 'Qualification' }],
  ['holderName', { ja: '氏名', en: 'Name' }],
  ['holderBirthDate', { ja: '生年月日', en: 'Date of birth' }],
  ['registrationNumber', { ja: '登録番号', en: 'Registration number' }],
  ['registrationDate', { ja: '登録年月日', en: 'Registration date' }],
  ['issuingBody', { ja: '登録者', en: 'Granted by' }],
  ['issueDate', { ja: '資格者証発行日', en: 'Certificate issued on' }],
  ['certificateId', { ja: '資格者証番号', en: 'Certificate number' }],
  ['issuerName', { ja: '発行者', en: 'Issuer' }],
];

const DATE_FIELDS = new Set<keyof QualificationRecord>(['holderBirthDate', 'registrationDate', 'issueDate']);

/** A record value as people read it: ISO dates as 2010/04/01. */
export function displayValue(field: keyof QualificationRecord, value: string): string {
  return DATE_FIELDS.has(field) && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value.replaceAll('-', '/') : value;
}
