import { existsSync } from 'node:fs';
import { HonninError } from '@honnin/runtime';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { displayValue, RECORD_LABELS } from './labels.ts';
import type { QualificationRecord } from './record.ts';

/** Noto Sans CJK from Debian's fonts-noto-cjk: the Japanese face inside the collection. */
export const CJK_FONT =
  process.env.HONNIN_CJK_FONT ?? '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
const CJK_FACE = 'NotoSansCJKjp-Regular';

/**
 * The printable digital qualification certificate: the registered items and
 * the QR a verifier scans (the same URL as on the page), on one A4 page.
 */
export async function certificatePdf(record: QualificationRecord, url: string): Promise<Buffer> {
  if (!existsSync(CJK_FONT)) {
    throw new HonninError(
      'pdf_font_missing',
      `Japanese font not found at ${CJK_FONT} (install fonts-noto-cjk)`,
      {
        status: 500,
      },
    );
  }
  const qr = await QRCode.toBuffer(url, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: `デジタル資格者証 ${record.qualificationName}`, Author: record.issuerName },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('jp', CJK_FONT, CJK_FACE);
  doc.font('jp');
  doc.fontSize(22).text('デジタル資格者証', { align: 'center' });
  doc.fontSize(10).fillColor('#555').text('Digital qualification certificate', { align: 'center' });
  doc.moveDown(1.5).fillColor('#000');
  const left = 56;
  const valueX = 200;
  for (const [field, label] of RECORD_LABELS) {
    const y = doc.y;
    doc
      .fontSize(10)
      .fillColor('#555')
      .text(`${label.ja}`, left, y, { width: valueX - left - 8 });
    doc.fontSize(8).text(label.en, left, doc.y, { width: valueX - left - 8 });
    const after = doc.y;
    doc.fontSize(13).fillColor('#000').text(displayValue(field, record[field]), valueX, y, { width: 340 });
    doc.y = Math.max(after, doc.y) + 8;
    doc
      .moveTo(left, doc.y - 4)
      .lineTo(540, doc.y - 4)
      .strokeColor('#ccc')
      .stroke();
  }
  const qrSize = 200;
  const qrY = doc.y + 16;
  doc.image(qr, (595 - qrSize) / 2, qrY, { width: qrSize, height: qrSize });
  doc
    .fontSize(9)
    .fillColor('#333')
    .text(
      '検証者はこの二次元コードを読み取り、「検証実施」を押してください。/ Verifiers: scan this code and press “検証実施”.',
      left,
      qrY + qrSize + 12,
      { width: 483, align: 'center' },
    );
  doc.end();
  return done;
}
