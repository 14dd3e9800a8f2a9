import type { BasicInfo } from '@honnin/jpki/profile';
import type { Text } from '../web/i18n.ts';

/**
 * The canned identities of the test-response screen (the real service's sandbox
 * lets a tester pick a test card and a normal or an error outcome). Clearly
 * fictitious; they never reach a service that is not in test mode.
 */
export interface TestCard {
  id: string;
  label: Text;
  basicInfo: BasicInfo;
  hasSignatureCertificate: boolean;
}

export const TEST_CARDS: readonly TestCard[] = [
  {
    id: 'test-card-1',
    label: { ja: 'テスト用カード1（成人・男性）', en: 'Test card 1 (adult, male)' },
    basicInfo: {
      name: '試験　太郎',
      address: '東京都千代田区霞が関二丁目１番２号',
      birthDate: '1985-04-01',
      sex: '1',
    },
    hasSignatureCertificate: true,
  },
  {
    id: 'test-card-2',
    label: { ja: 'テスト用カード2（成人・女性）', en: 'Test card 2 (adult, female)' },
    basicInfo: {
      name: '検証　花子',
      address: '大阪府大阪市北区中之島一丁目３番２０号',
      birthDate: '1992-11-23',
      sex: '2',
    },
    hasSignatureCertificate: true,
  },
  {
    id: 'test-card-3',
    label: { ja: 'テスト用カード3（15歳未満）', en: 'Test card 3 (under 15)' },
    basicInfo: {
      name: '見本　次郎',
      address: '北海道札幌市中央区北一条西二丁目',
      birthDate: '2015-06-15',
      sex: '1',
    },
    hasSignatureCertificate: false,
  },
];
