import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeSchema, initialSchema } from '../../src/qualifications/portal/fields.ts';
import { validateForm } from '../../src/web/index.ts';

const today = () => '2026-11-22';

test('the registration date and the date of a change may be today, not later, and the message says so', () => {
  assert.equal(
    validateForm(initialSchema(today), { registrationNumber: '１２３４５６', registrationDate: '2026-11-22' })
      .ok,
    true,
  );
  const initial = validateForm(initialSchema(today), {
    registrationNumber: '123456',
    registrationDate: '2026-11-23',
  });
  assert.deepEqual(initial.ok ? undefined : initial.errors.registrationDate, {
    ja: '「登録年月日」は今日以前の日付を入力してください。',
    en: 'Registration date must be today or earlier.',
  });
  const change = { domicilePrefecture: '東京都', reason: 'marriage', changeDate: '2026-11-22' };
  assert.equal(validateForm(changeSchema(today), change).ok, true);
  const later = validateForm(changeSchema(today), { ...change, changeDate: '2026-11-23' });
  assert.deepEqual(later.ok ? undefined : later.errors.changeDate, {
    ja: '「変更年月日」は今日以前の日付を入力してください。',
    en: 'Date of the change must be today or earlier.',
  });
});
