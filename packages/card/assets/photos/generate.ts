// Generates the face photos the virtual cards carry (card face EF 0002, DF27):
// drawn silhouettes, no real person, compressed to JPEG 2000 with OpenJPEG's
// opj_compress (Debian libopenjp2-tools). Run once; the .jp2 files are committed,
// so issuing a card needs no image tool:
//   node packages/card/assets/photos/generate.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const W = 180;
const H = 240;
type Rgb = [number, number, number];
const variants: { name: string; background: Rgb; skin: Rgb; hair: Rgb; clothes: Rgb }[] = [
  {
    name: 'photo-1',
    background: [205, 216, 228],
    skin: [232, 196, 170],
    hair: [40, 32, 30],
    clothes: [50, 60, 90],
  },
  {
    name: 'photo-2',
    background: [220, 220, 214],
    skin: [240, 208, 184],
    hair: [70, 50, 40],
    clothes: [120, 40, 50],
  },
  {
    name: 'photo-3',
    background: [200, 222, 214],
    skin: [222, 186, 158],
    hair: [20, 20, 24],
    clothes: [40, 90, 70],
  },
];

const dir = mkdtempSync(join(tmpdir(), 'honnin-photo-'));
for (const v of variants) {
  const px = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let c = v.background;
      const head = ((x - 90) / 42) ** 2 + ((y - 105) / 54) ** 2;
      const hair = ((x - 90) / 47) ** 2 + ((y - 92) / 52) ** 2;
      const shoulders = ((x - 90) / 88) ** 2 + ((y - 262) / 80) ** 2;
      if (shoulders <= 1) c = v.clothes;
      else if (head <= 1 && y > 78) c = v.skin;
      else if (hair <= 1) c = v.hair;
      else if (head <= 1) c = v.skin;
      px.set(c, (y * W + x) * 3);
    }
  }
  const ppm = join(dir, `${v.name}.ppm`);
  writeFileSync(ppm, Buffer.concat([Buffer.from(`P6\n${W} ${H}\n255\n`), px]));
  execFileSync('opj_compress', ['-i', ppm, '-o', join(import.meta.dirname, `${v.name}.jp2`), '-r', '40']);
}
rmSync(dir, { recursive: true, force: true });
