import { z } from '@honnin/runtime';
import type { Text } from '../../web/i18n.ts';
import {
  choiceField,
  dateField,
  emailField,
  messages,
  optionalTextField,
  says,
  textField,
  toHalfWidth,
} from '../../web/validation.ts';

/**
 * The fields of a drone registration (seed 000/001 screens) with their labels,
 * choices and validation rules: owner (STEP 02), aircraft (STEP 03), user (STEP 04).
 */
export const L = {
  name: { ja: '氏名', en: 'Name' },
  reading: { ja: 'フリガナ', en: 'Reading (katakana)' },
  postcode: { ja: '郵便番号', en: 'Postcode' },
  address: { ja: '住所', en: 'Address' },
  birthDate: { ja: '生年月日', en: 'Birth date' },
  phone: { ja: '電話番号', en: 'Phone number' },
  email: { ja: 'メールアドレス', en: 'E-mail address' },
  manufacturingType: { ja: '製造区分', en: 'Manufacturing type' },
  maker: { ja: '製造者名', en: 'UA manufacturer name' },
  model: { ja: '型式名', en: 'UA model' },
  category: { ja: '機体の種類', en: 'UA category' },
  serial: { ja: '製造番号', en: 'UA serial number' },
  remoteIdType: { ja: 'リモートIDの種類', en: 'Remote ID type' },
  remoteIdMaker: { ja: 'リモートID 製造者名', en: 'Remote ID manufacturer' },
  remoteIdModel: { ja: 'リモートID 型式名', en: 'Remote ID model' },
  remoteIdSerial: { ja: 'リモートID 製造番号', en: 'Remote ID serial number' },
  altered: { ja: '改造の有無', en: 'Alteration' },
  userSame: {
    ja: '所有者・使用者同一人物確認',
    en: 'Confirmation that the owner and user are the same person',
  },
  method: { ja: '本人確認方法', en: 'Identity verification method' },
} satisfies Record<string, Text>;

export const MANUFACTURING_TYPES = {
  maker: { ja: 'メーカーの機体', en: 'Manufactured UA' },
  homebuilt: { ja: '自作の機体', en: 'Home-built UA' },
} satisfies Record<string, Text>;

export const CATEGORIES = {
  airplane: { ja: '飛行機', en: 'Airplane' },
  rotorcraft_multicopter: { ja: '回転翼航空機（マルチコプター）', en: 'Rotorcraft (Multicopter)' },
  rotorcraft_helicopter: { ja: '回転翼航空機（ヘリコプター）', en: 'Rotorcraft (Helicopter)' },
  rotorcraft_other: { ja: '回転翼航空機（その他）', en: 'Rotorcraft (other)' },
  glider: { ja: '滑空機', en: 'Glider' },
  airship: { ja: '飛行船', en: 'Airship' },
} satisfies Record<string, Text>;

export const REMOTE_ID_TYPES = {
  builtin: { ja: '内蔵型', en: 'Built-in' },
  external: { ja: '外付型', en: 'External' },
  none: { ja: 'なし', en: 'No' },
} satisfies Record<string, Text>;

export const ALTERATION = {
  no: { ja: '改造無し', en: 'Not altered' },
  yes: { ja: '改造有り', en: 'Altered' },
} satisfies Record<string, Text>;

export const USER_SAME = {
  same: { ja: '所有者情報と同じ', en: 'Same as the owner' },
  other: { ja: '所有者と異なる', en: 'Another person' },
} satisfies Record<string, Text>;

const keys = <T extends Record<string, unknown>>(o: T) =>
  Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];

const KATAKANA = /^[ァ-ヶー・ 　]+$/u;
const PHONE = /^\+?[0-9][0-9-]{8,18}[0-9]$/;

function personFields(today: () => string) {
  return {
    name: textField(L.name, { max: 50 }),
    reading: textField(L.reading, {
      max: 100,
      // half-width katakana typed on some keyboards becomes full-width
      normalize: (s) => s.normalize('NFKC'),
      format: {
        pattern: KATAKANA,
        text: { ja: '「フリガナ」は全角カタカナで入力してください。', en: 'Enter the reading in katakana.' },
      },
    }),
    postcode: textField(L.postcode, {
      max: 8,
      normalize: (s) => {
        const d = toHalfWidth(s).replace(/-/g, '');
        return /^\d{7}$/.test(d) ? `${d.slice(0, 3)}-${d.slice(3)}` : toHalfWidth(s);
      },
      format: {
        pattern: /^\d{3}-\d{4}$/,
        text: {
          ja: '「郵便番号」は7桁の数字（例: 100-0001）で入力してください。',
          en: 'Enter the postcode as 7 digits (e.g. 100-0001).',
        },
      },
    }),
    address: textField(L.address, { max: 200 }),
    phone: textField(L.phone, {
      max: 20,
      normalize: (s) => toHalfWidth(s).replace(/\s/g, ''),
      format: {
        pattern: PHONE,
        text: {
          ja: '「電話番号」は数字とハイフンで入力してください（例: 03-1234-5678）。',
          en: 'Enter the phone number with digits and hyphens (e.g. 03-1234-5678).',
        },
      },
    }),
    email: emailField(L.email),
    birthDate: dateField(L.birthDate, { before: today }),
  };
}

export function ownerSchema(today: () => string) {
  return z.object(personFields(today));
}
export type Owner = z.output<ReturnType<typeof ownerSchema>>;

export function userSchema(today: () => string) {
  const { birthDate: _, ...person } = personFields(today);
  return z.discriminatedUnion('same', [
    z.object({ same: z.literal('same') }),
    z.object({ same: z.literal('other'), ...person }),
  ]);
}
export type UserInfo = { same: 'same' } | ({ same: 'other' } & Omit<Owner, 'birthDate'>);

/** STEP 04's choice, validated first so the person's fields are asked only for "another person". */
export const userChoice = z.object({ same: choiceField(L.userSame, keys(USER_SAME)) });

const remoteIdPart = (label: Text) => optionalTextField(label, { max: 100, normalize: toHalfWidth });

export const aircraftSchema = z
  .object({
    manufacturingType: choiceField(L.manufacturingType, keys(MANUFACTURING_TYPES)),
    maker: textField(L.maker, { max: 100 }),
    model: textField(L.model, { max: 100 }),
    category: choiceField(L.category, keys(CATEGORIES)),
    serial: textField(L.serial, {
      max: 50,
      normalize: toHalfWidth,
      format: {
        pattern: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/,
        text: {
          ja: '「製造番号」は半角英数字と記号（- . _ /）で入力してください。',
          en: 'Enter the serial number with letters, digits and - . _ /.',
        },
      },
    }),
    remoteIdType: choiceField(L.remoteIdType, keys(REMOTE_ID_TYPES)),
    remoteIdMaker: remoteIdPart(L.remoteIdMaker),
    remoteIdModel: remoteIdPart(L.remoteIdModel),
    remoteIdSerial: remoteIdPart(L.remoteIdSerial),
    altered: choiceField(L.altered, keys(ALTERATION)),
  })
  .superRefine((a, ctx) => {
    if (a.remoteIdType === 'none') return;
    for (const k of ['remoteIdMaker', 'remoteIdModel', 'remoteIdSerial'] as const) {
      if (!a[k]) {
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: says({
            ja: `${messages.required.ja.replace('{label}', L[k].ja)}（リモートIDがある場合）`,
            en: `${messages.required.en.replace('{label}', L[k].en)} (when the UA has a remote ID)`,
          }).error,
        });
      }
    }
  })
  .transform((a) =>
    a.remoteIdType === 'none'
      ? { ...a, remoteIdMaker: undefined, remoteIdModel: undefined, remoteIdSerial: undefined }
      : a,
  );
export type Aircraft = z.output<typeof aircraftSchema>;

/** At most this many aircraft in one application. */
export const MAX_AIRCRAFT = 10;

/**
 * Fees for a new registration verified online with the My Number Card (or
 * gBizID): ¥900 for the first aircraft and ¥890 for each further one applied
 * for at the same time.
 */
export function feeYen(aircraftCount: number): number {
  return aircraftCount <= 0 ? 0 : 900 + 890 * (aircraftCount - 1);
}
