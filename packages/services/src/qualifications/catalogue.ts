import { HonninError } from '@honnin/runtime';

/**
 * The national qualifications a holder can register (a sample of those the
 * real service covers). `id` is the CI code in certificates; `issuingBody` the
 * authority that grants it (IA); `managingBody` the 資格管理団体 whose staff
 * review applications; `changeFee` the 書換交付 fee in yen, paid online.
 */
export interface Qualification {
  id: string;
  name: string;
  nameEn: string;
  issuingBody: string;
  managingBody: string;
  changeFee: number;
}

export const CATALOGUE: readonly Qualification[] = [
  {
    id: '0101',
    name: '社会福祉士',
    nameEn: 'Certified Social Worker',
    issuingBody: '厚生労働大臣',
    managingBody: '公益財団法人社会福祉振興・試験センター',
    changeFee: 1000,
  },
  {
    id: '0102',
    name: '介護福祉士',
    nameEn: 'Certified Care Worker',
    issuingBody: '厚生労働大臣',
    managingBody: '公益財団法人社会福祉振興・試験センター',
    changeFee: 1000,
  },
  {
    id: '0103',
    name: '精神保健福祉士',
    nameEn: 'Psychiatric Social Worker',
    issuingBody: '厚生労働大臣',
    managingBody: '公益財団法人社会福祉振興・試験センター',
    changeFee: 1000,
  },
  {
    id: '0201',
    name: '公認心理師',
    nameEn: 'Certified Public Psychologist',
    issuingBody: '文部科学大臣及び厚生労働大臣',
    managingBody: '一般財団法人日本心理研修センター',
    changeFee: 1500,
  },
  {
    id: '0301',
    name: '看護師',
    nameEn: 'Registered Nurse',
    issuingBody: '厚生労働大臣',
    managingBody: '厚生労働省 医政局',
    changeFee: 1000,
  },
  {
    id: '0401',
    name: '保育士',
    nameEn: 'Nursery Teacher',
    issuingBody: '都道府県知事',
    managingBody: '一般社団法人全国保育士養成協議会',
    changeFee: 1200,
  },
];

export function findQualification(id: string): Qualification | undefined {
  return CATALOGUE.find((q) => q.id === id);
}

export function qualification(id: string): Qualification {
  const q = findQualification(id);
  if (!q)
    throw new HonninError('qualification_unknown', `no qualification ${id} in the catalogue`, {
      status: 404,
    });
  return q;
}

export const PREFECTURES = [
  '北海道',
  '青森県',
  '岩手県',
  '宮城県',
  '秋田県',
  '山形県',
  '福島県',
  '茨城県',
  '栃木県',
  '群馬県',
  '埼玉県',
  '千葉県',
  '東京都',
  '神奈川県',
  '新潟県',
  '富山県',
  '石川県',
  '福井県',
  '山梨県',
  '長野県',
  '岐阜県',
  '静岡県',
  '愛知県',
  '三重県',
  '滋賀県',
  '京都府',
  '大阪府',
  '兵庫県',
  '奈良県',
  '和歌山県',
  '鳥取県',
  '島根県',
  '岡山県',
  '広島県',
  '山口県',
  '徳島県',
  '香川県',
  '愛媛県',
  '高知県',
  '福岡県',
  '佐賀県',
  '長崎県',
  '熊本県',
  '大分県',
  '宮崎県',
  '鹿児島県',
  '沖縄県',
] as const;

/** Why a holder asks for 書換交付 (rewriting the registration). */
export const CHANGE_REASONS = ['marriage', 'divorce', 'adoption', 'domicile', 'other'] as const;
export type ChangeReason = (typeof CHANGE_REASONS)[number];

/**
 * The items other than the 4 items a change procedure sets: the registered
 * domicile's prefecture (本籍地都道府県), a former surname shown beside the name
 * (旧姓併記), the reason and the date the change took effect.
 */
export interface ChangeItems {
  domicilePrefecture: string;
  formerSurname: string;
  reason: ChangeReason;
  changeDate: string;
}
