import type { Municipality } from '@honnin/jpki/profile';

/**
 * Municipalities the simulator knows (全国地方公共団体コード with check digit).
 * Certificates name them in romaji; cards and pages in Japanese.
 */
export const MUNICIPALITIES: readonly Municipality[] = [
  { code: '011002', prefecture: 'Hokkaido', city: 'Sapporo-shi', prefectureJa: '北海道', cityJa: '札幌市' },
  { code: '041009', prefecture: 'Miyagi-ken', city: 'Sendai-shi', prefectureJa: '宮城県', cityJa: '仙台市' },
  { code: '131016', prefecture: 'Tokyo-to', city: 'Chiyoda-ku', prefectureJa: '東京都', cityJa: '千代田区' },
  { code: '131041', prefecture: 'Tokyo-to', city: 'Shinjuku-ku', prefectureJa: '東京都', cityJa: '新宿区' },
  { code: '131130', prefecture: 'Tokyo-to', city: 'Shibuya-ku', prefectureJa: '東京都', cityJa: '渋谷区' },
  {
    code: '132012',
    prefecture: 'Tokyo-to',
    city: 'Hachioji-shi',
    prefectureJa: '東京都',
    cityJa: '八王子市',
  },
  {
    code: '141003',
    prefecture: 'Kanagawa-ken',
    city: 'Yokohama-shi',
    prefectureJa: '神奈川県',
    cityJa: '横浜市',
  },
  {
    code: '141500',
    prefecture: 'Kanagawa-ken',
    city: 'Sagamihara-shi',
    prefectureJa: '神奈川県',
    cityJa: '相模原市',
  },
  { code: '231002', prefecture: 'Aichi-ken', city: 'Nagoya-shi', prefectureJa: '愛知県', cityJa: '名古屋市' },
  { code: '261009', prefecture: 'Kyoto-fu', city: 'Kyoto-shi', prefectureJa: '京都府', cityJa: '京都市' },
  { code: '271004', prefecture: 'Osaka-fu', city: 'Osaka-shi', prefectureJa: '大阪府', cityJa: '大阪市' },
  {
    code: '341002',
    prefecture: 'Hiroshima-ken',
    city: 'Hiroshima-shi',
    prefectureJa: '広島県',
    cityJa: '広島市',
  },
  {
    code: '401005',
    prefecture: 'Fukuoka-ken',
    city: 'Kitakyushu-shi',
    prefectureJa: '福岡県',
    cityJa: '北九州市',
  },
  { code: '471011', prefecture: 'Okinawa-ken', city: 'Naha-shi', prefectureJa: '沖縄県', cityJa: '那覇市' },
];

export function municipality(code: string): Municipality | undefined {
  return MUNICIPALITIES.find((m) => m.code === code);
}
