import jsQRModule from 'jsqr';
import type { Locator } from 'playwright-core';
import { PNG } from 'pngjs';

// jsqr is a UMD bundle whose module.exports is the function itself
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** The text of the QR code in a PNG image (a screenshot), or undefined when none is found. */
export function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

/** Reads the QR code a page renders, as a phone's camera would: from a screenshot of the element. */
export async function scanQr(element: Locator): Promise<string> {
  const text = decodeQr(await element.screenshot());
  if (!text) throw new Error('no QR code could be read from the element');
  return text;
}
