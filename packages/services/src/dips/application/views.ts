import { input, radios, select, summaryList } from '../../web/forms.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import { type Lang, type Text, tr } from '../../web/i18n.ts';
import type { FieldErrors, FormInput } from '../../web/validation.ts';
import {
  type Aircraft,
  ALTERATION,
  CATEGORIES,
  L,
  MANUFACTURING_TYPES,
  type Owner,
  REMOTE_ID_TYPES,
  USER_SAME,
  type UserInfo,
} from './fields.ts';

const v = (values: FormInput, k: string) =>
  typeof values[k] === 'string' ? (values[k] as string) : undefined;
const options = (o: Record<string, Text>) => Object.entries(o).map(([value, label]) => ({ value, label }));

/** Name, reading, postcode, address, (birth date,) phone, e-mail: the owner, the user, the account. */
export function personInputs(
  lang: Lang,
  values: FormInput,
  errors: FieldErrors | undefined,
  opts: { birthDate: boolean },
): SafeHtml {
  const e = errors ?? {};
  return html`${input(lang, { name: 'name', label: L.name, value: v(values, 'name'), error: e.name, required: true, autocomplete: 'name', maxlength: 50, hint: { ja: '例: 山田 太郎', en: 'e.g. 山田 太郎 (as on the card)' } })}
${input(lang, { name: 'reading', label: L.reading, value: v(values, 'reading'), error: e.reading, required: true, maxlength: 100, hint: { ja: '全角カタカナ 例: ヤマダ タロウ', en: 'Katakana, e.g. ヤマダ タロウ' } })}
${input(lang, { name: 'postcode', label: L.postcode, value: v(values, 'postcode'), error: e.postcode, required: true, autocomplete: 'postal-code', inputmode: 'numeric', maxlength: 8, hint: { ja: '例: 100-0001', en: 'e.g. 100-0001' } })}
${input(lang, { name: 'address', label: L.address, value: v(values, 'address'), error: e.address, required: true, autocomplete: 'street-address', maxlength: 200, hint: { ja: '都道府県から番地・建物名まで', en: 'From the prefecture to the building' } })}
${opts.birthDate ? input(lang, { name: 'birthDate', label: L.birthDate, type: 'date', value: v(values, 'birthDate'), error: e.birthDate, required: true, autocomplete: 'bday' }) : ''}
${input(lang, { name: 'phone', label: L.phone, type: 'tel', value: v(values, 'phone'), error: e.phone, required: true, autocomplete: 'tel', inputmode: 'tel', maxlength: 20, hint: { ja: '例: 03-1234-5678', en: 'e.g. 03-1234-5678' } })}
${input(lang, { name: 'email', label: L.email, type: 'email', value: v(values, 'email'), error: e.email, required: true, autocomplete: 'email', maxlength: 254 })}`;
}

export function aircraftInputs(lang: Lang, values: FormInput, errors: FieldErrors | undefined): SafeHtml {
  const e = errors ?? {};
  return html`${radios(lang, { name: 'manufacturingType', legend: L.manufacturingType, options: options(MANUFACTURING_TYPES), value: v(values, 'manufacturingType'), error: e.manufacturingType, required: true })}
${input(lang, { name: 'maker', label: L.maker, value: v(values, 'maker'), error: e.maker, required: true, maxlength: 100, hint: { ja: '自作の機体は「自作」と入力してください', en: 'For a home-built UA, enter your own name or "home-built"' } })}
${input(lang, { name: 'model', label: L.model, value: v(values, 'model'), error: e.model, required: true, maxlength: 100 })}
${select(lang, { name: 'category', legend: L.category, options: options(CATEGORIES), value: v(values, 'category'), error: e.category, required: true })}
${input(lang, { name: 'serial', label: L.serial, value: v(values, 'serial'), error: e.serial, required: true, maxlength: 50, inputmode: 'latin', hint: { ja: '機体に表示されている製造番号（半角英数字）', en: 'The serial number shown on the UA' } })}
${radios(lang, { name: 'remoteIdType', legend: L.remoteIdType, options: options(REMOTE_ID_TYPES), value: v(values, 'remoteIdType'), error: e.remoteIdType, required: true, hint: { ja: '「内蔵型」「外付型」の場合は、次の3項目も入力してください。', en: 'For a built-in or external remote ID, also fill in the next three fields.' } })}
${input(lang, { name: 'remoteIdMaker', label: L.remoteIdMaker, value: v(values, 'remoteIdMaker'), error: e.remoteIdMaker, maxlength: 100 })}
${input(lang, { name: 'remoteIdModel', label: L.remoteIdModel, value: v(values, 'remoteIdModel'), error: e.remoteIdModel, maxlength: 100 })}
${input(lang, { name: 'remoteIdSerial', label: L.remoteIdSerial, value: v(values, 'remoteIdSerial'), error: e.remoteIdSerial, maxlength: 100 })}
${radios(lang, { name: 'altered', legend: L.altered, options: options(ALTERATION), value: v(values, 'altered'), error: e.altered, required: true })}`;
}

export function userInputs(lang: Lang, values: FormInput, errors: FieldErrors | undefined): SafeHtml {
  return html`${radios(lang, { name: 'same', legend: L.userSame, options: options(USER_SAME), value: v(values, 'same'), error: errors?.same, required: true })}
<fieldset><legend>${tr(lang, { ja: '使用者の情報（所有者と異なる場合）', en: 'The user (when another person)' })}</legend>
${personInputs(lang, values, errors, { birthDate: false })}</fieldset>`;
}

export function ownerSummary(lang: Lang, o: Owner): SafeHtml {
  return summaryList(lang, [
    [L.name, o.name],
    [L.reading, o.reading],
    [L.address, `〒${o.postcode} ${o.address}`],
    [L.birthDate, o.birthDate.replace(/-/g, '/')],
    [L.phone, o.phone],
    [L.email, o.email],
  ]);
}

export function aircraftSummary(lang: Lang, a: Aircraft, registrationNumber?: string | null): SafeHtml {
  return summaryList(lang, [
    ...(registrationNumber
      ? ([[{ ja: '登録記号', en: 'Registration number' }, registrationNumber]] as [Text, string][])
      : []),
    [L.manufacturingType, MANUFACTURING_TYPES[a.manufacturingType]],
    [L.maker, a.maker],
    [L.model, a.model],
    [L.category, CATEGORIES[a.category]],
    [L.serial, a.serial],
    [L.remoteIdType, REMOTE_ID_TYPES[a.remoteIdType]],
    [L.remoteIdMaker, a.remoteIdMaker],
    [L.remoteIdModel, a.remoteIdModel],
    [L.remoteIdSerial, a.remoteIdSerial],
    [L.altered, ALTERATION[a.altered]],
  ]);
}

export function userSummary(lang: Lang, u: UserInfo): SafeHtml {
  if (u.same === 'same') return summaryList(lang, [[L.userSame, USER_SAME.same]]);
  return summaryList(lang, [
    [L.userSame, USER_SAME.other],
    [L.name, u.name],
    [L.reading, u.reading],
    [L.address, `〒${u.postcode} ${u.address}`],
    [L.phone, u.phone],
    [L.email, u.email],
  ]);
}
