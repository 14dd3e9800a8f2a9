import { existsSync } from 'node:fs';
import * as fontkit from 'fontkit';
import { PNG } from 'pngjs';

/**
 * The card face's name, address, security-code and 個人番号 images: text set in
 * a CJK font and written as 8-bit greyscale PNG, as the card's printer renders
 * them. Glyph outlines come from fontkit; this file only fills them (a small
 * scanline rasteriser with 4×4 supersampling, nonzero winding).
 */
const FONT_CANDIDATES = [
  process.env.HONNIN_CARD_FONT,
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc',
  '/System/Library/Fonts/Hiragino Sans GB.ttc',
];

interface Outline {
  layout(text: string): {
    glyphs: { path: { commands: { command: string; args: number[] }[] } }[];
    positions: { xAdvance: number; xOffset: number; yOffset: number }[];
  };
  unitsPerEm: number;
  postscriptName: string;
}

let cached: Outline | null | undefined;

/** The first CJK font found (Japanese face of a collection), or null: images then show boxes. */
function font(): Outline | null {
  if (cached !== undefined) return cached;
  cached = null;
  for (const path of FONT_CANDIDATES) {
    if (!path || !existsSync(path)) continue;
    try {
      const f = fontkit.openSync(path) as unknown as { fonts?: Outline[] } & Outline;
      cached = f.fonts ? (f.fonts.find((x) => /jp|JP|W3/.test(x.postscriptName)) ?? f.fonts[0]!) : f;
      break;
    } catch {
      // unreadable font: try the next
    }
  }
  return cached;
}

type Edge = { x0: number; y0: number; x1: number; y1: number; dir: number };

const SS = 4;

/** Renders lines of text, black on white, `size` pixels per em. */
export function renderTextPng(lines: readonly string[], size = 28, padding = 6): Uint8Array {
  const f = font();
  const scale = f ? size / f.unitsPerEm : 1;
  const edges: Edge[] = [];
  let width = 1;
  const lineHeight = Math.ceil(size * 1.3);
  lines.forEach((text, row) => {
    const baseline = padding + row * lineHeight + size * 0.88;
    let pen = padding;
    if (!f) {
      // no font on this machine: a box per character keeps the layout
      for (const _ of text) {
        box(edges, pen + size * 0.1, baseline - size * 0.8, size * 0.8, size * 0.8);
        pen += size;
      }
    } else {
      const run = f.layout(text);
      run.glyphs.forEach((g, i) => {
        const p = run.positions[i]!;
        const ox = pen + p.xOffset * scale;
        const oy = baseline - p.yOffset * scale;
        outline(edges, g.path.commands, (x, y) => [ox + x * scale, oy - y * scale]);
        pen += p.xAdvance * scale;
      });
    }
    width = Math.max(width, Math.ceil(pen + padding));
  });
  const height = padding * 2 + lineHeight * lines.length;
  return encodePng(fill(edges, width, height), width, height);
}

function box(edges: Edge[], x: number, y: number, w: number, h: number): void {
  const pts: [number, number][] = [
    [x, y],
    [x + w, y],
    [x + w, y + h],
    [x, y + h],
  ];
  for (let i = 0; i < 4; i++) addEdge(edges, pts[i]!, pts[(i + 1) % 4]!);
  const t = Math.max(1, w * 0.08);
  const inner: [number, number][] = [
    [x + t, y + t],
    [x + t, y + h - t],
    [x + w - t, y + h - t],
    [x + w - t, y + t],
  ];
  for (let i = 0; i < 4; i++) addEdge(edges, inner[i]!, inner[(i + 1) % 4]!);
}

function addEdge(edges: Edge[], a: [number, number], b: [number, number]): void {
  if (a[1] === b[1]) return;
  edges.push(
    a[1] < b[1]
      ? { x0: a[0], y0: a[1], x1: b[0], y1: b[1], dir: 1 }
      : { x0: b[0], y0: b[1], x1: a[0], y1: a[1], dir: -1 },
  );
}

/** Flattens a glyph path (lines, quadratic and cubic Béziers) into edges. */
function outline(
  edges: Edge[],
  commands: readonly { command: string; args: number[] }[],
  map: (x: number, y: number) => [number, number],
): void {
  let start: [number, number] = [0, 0];
  let cur: [number, number] = [0, 0];
  const to = (p: [number, number]) => {
    addEdge(edges, cur, p);
    cur = p;
  };
  for (const { command, args: a } of commands) {
    if (command === 'moveTo') {
      if (cur !== start) to(start);
      start = cur = map(a[0]!, a[1]!);
    } else if (command === 'lineTo') to(map(a[0]!, a[1]!));
    else if (command === 'quadraticCurveTo') {
      const p0 = cur;
      const c = map(a[0]!, a[1]!);
      const p = map(a[2]!, a[3]!);
      for (let i = 1; i <= 8; i++) {
        const t = i / 8;
        const u = 1 - t;
        to([
          u * u * p0[0] + 2 * u * t * c[0] + t * t * p[0],
          u * u * p0[1] + 2 * u * t * c[1] + t * t * p[1],
        ]);
      }
    } else if (command === 'bezierCurveTo') {
      const p0 = cur;
      const c1 = map(a[0]!, a[1]!);
      const c2 = map(a[2]!, a[3]!);
      const p = map(a[4]!, a[5]!);
      for (let i = 1; i <= 10; i++) {
        const t = i / 10;
        const u = 1 - t;
        const k = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t] as const;
        to([
          k[0] * p0[0] + k[1] * c1[0] + k[2] * c2[0] + k[3] * p[0],
          k[0] * p0[1] + k[1] * c1[1] + k[2] * c2[1] + k[3] * p[1],
        ]);
      }
    } else if (command === 'closePath') {
      to(start);
    }
  }
  if (cur !== start) to(start);
}

/** Coverage per pixel (0–255) by nonzero winding, 4×4 samples a pixel. */
function fill(edges: readonly Edge[], width: number, height: number): Uint8Array {
  const cover = new Uint16Array(width * height);
  const xs: { x: number; dir: number }[] = [];
  for (let sy = 0; sy < height * SS; sy++) {
    const y = (sy + 0.5) / SS;
    xs.length = 0;
    for (const e of edges) {
      if (y < e.y0 || y >= e.y1) continue;
      xs.push({ x: e.x0 + ((y - e.y0) / (e.y1 - e.y0)) * (e.x1 - e.x0), dir: e.dir });
    }
    if (!xs.length) continue;
    xs.sort((a, b) => a.x - b.x);
    const row = Math.floor(sy / SS) * width;
    let winding = 0;
    for (let i = 0; i < xs.length - 1; i++) {
      winding += xs[i]!.dir;
      if (winding === 0) continue;
      const from = Math.max(0, Math.ceil(xs[i]!.x * SS - 0.5));
      const to = Math.min(width * SS - 1, Math.floor(xs[i + 1]!.x * SS - 0.5));
      for (let sx = from; sx <= to; sx++) cover[row + Math.floor(sx / SS)]! += 1;
    }
  }
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.round((cover[i]! * 255) / (SS * SS)));
  return out;
}

function encodePng(coverage: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  const data = Buffer.alloc(width * height);
  for (let i = 0; i < data.length; i++) data[i] = 255 - coverage[i]!;
  png.data = data;
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
}
