import assert from 'node:assert/strict';
import { test } from 'node:test';
import { japanDate, japanMonth, japanYear } from '../src/profile/era.ts';

test('Japan-time dates: UTC+9 all year, so the day, month and year turn at 15:00 UTC', () => {
  const before = new Date('2026-12-31T14:59:59.999Z'); // 23:59:59.999 in Tokyo
  const after = new Date('2026-12-31T15:00:00Z'); // 2027-01-01 00:00 in Tokyo
  assert.equal(japanDate(before), '2026-12-31');
  assert.equal(japanDate(after), '2027-01-01');
  assert.equal(japanMonth(before), '2026-12');
  assert.equal(japanMonth(after), '2027-01');
  assert.equal(japanYear(before), 2026);
  assert.equal(japanYear(after), 2027);
  // epoch milliseconds work as well as Dates; no daylight saving in summer
  assert.equal(japanDate(Date.parse('2026-07-01T14:59:00Z')), '2026-07-01');
  assert.equal(japanDate(Date.parse('2026-07-01T15:00:00Z')), '2026-07-02');
  // the same answer as the IANA zone the platform's date formatting uses
  for (const iso of ['2024-02-28T15:00:00Z', '2024-02-29T14:00:00Z', '2030-03-31T20:00:00Z']) {
    const tokyo = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date(iso));
    assert.equal(japanDate(new Date(iso)), tokyo, iso);
  }
});
