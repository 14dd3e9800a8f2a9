import { z } from '@honnin/runtime';
import { choiceField, dateField, optionalTextField, textField, toHalfWidth } from '../../web/index.ts';
import { CHANGE_REASONS, PREFECTURES } from '../catalogue.ts';

/**
 * The fields a holder enters in ⑨ 情報入力, with their rules: the
 * registration number and date (初期設定申請), or the items other than the 4
 * items (書換交付). Dates may be today at the latest; `today` gives it
 * (YYYY-MM-DD, Japan time).
 */
const registrationNumber = textField(
  { ja: '登録番号', en: 'Registration number' },
  {
    max: 20,
    normalize: toHalfWidth,
    format: {
      pattern: /^[0-9A-Za-z-]{1,20}$/,
      text: {
        ja: '「登録番号」は半角英数字で入力してください（例: 123456）。',
        en: 'Enter the registration number in letters and digits (e.g. 123456).',
      },
    },
  },
);

export function initialSchema(today: () => string) {
  return z.object({
    registrationNumber,
    registrationDate: dateField({ ja: '登録年月日', en: 'Registration date' }, { upTo: today }),
  });
}

export function changeSchema(today: () => string) {
  return z.object({
    domicilePrefecture: choiceField({ ja: '本籍地都道府県', en: 'Registered domicile' }, PREFECTURES),
    formerSurname: optionalTextField({ ja: '旧姓', en: 'Former surname' }, { max: 20 }),
    reason: choiceField({ ja: '変更の理由', en: 'Reason' }, CHANGE_REASONS),
    changeDate: dateField({ ja: '変更年月日', en: 'Date of the change' }, { upTo: today }),
  });
}
