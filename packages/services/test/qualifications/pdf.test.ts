import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { skipUnless, tempDir } from '@honnin/runtime/testing';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { certificatePdf } from '../../src/qualifications/certificate/pdf.ts';
import type { QualificationRecord } from '../../src/qualifications/certificate/record.ts';

// jsqr is a UMD bundle whose module.exports is the function itself
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

const RECORD: QualificationRecord = {
  qualificationName: '精神保健福祉士',
  holderName: '渡邉　髙子',
  holderBirthDate: '1990-01-31',
  registrationNumber: '7654321',
  registrationDate: '2015-04-01',
  issueDate: '2026-11-22',
  issuingBody: '厚生労働大臣',
  issuerName: '国家資格等情報連携・活用システム 資格者証発行責任者',
  qualificationId: '0103',
  certificateId: 'DQ00112233445566FF',
  typeCode: '01',
  userCode: 'A1B2C3D4E5F6',
};
const URL = `http://localhost:7008/w/?c=${'0QKEQ6EBOCSha'.repeat(50)}`;

test('the PDF embeds the Japanese font and its QR reads back as the certificate URL', {
  skip: skipUnless(existsSync('/usr/bin/pdftoppm'), 'pdftoppm: install poppler-utils'),
}, async () => {
  const pdf = await certificatePdf(RECORD, URL);
  const { dir, cleanup } = tempDir('honnin-pdf-');
  try {
    const file = join(dir, 'certificate.pdf');
    writeFileSync(file, pdf);
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' });
    assert.match(fonts, /NotoSansCJK/);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const s of ['デジタル資格者証', '渡邉', '髙子', '7654321', '2015/04/01'])
      assert.ok(text.includes(s), s);
    execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', file, join(dir, 'page')]);
    const png = PNG.sync.read(readFileSync(join(dir, 'page.png')));
    const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    assert.equal(qr?.data, URL);
  } finally {
    cleanup();
  }
});
