/**
 * What an application on the card is made of: an AID and elementary files.
 * Binary EFs hold bytes and name the PINs that open them; PIN EFs and key EFs
 * point into the card's PIN table and key store. Browser-free but Node-free too:
 * pure data, so the same definitions drive the card and its tests.
 */
export type ElementaryFile =
  | {
      type: 'binary';
      id: number;
      data: Uint8Array;
      /** 'always', or the PINs any one of which opens the file */
      readableWith: 'always' | readonly string[];
    }
  | { type: 'pin'; id: number; pin: string }
  | { type: 'key'; id: number; key: string /** the PIN that must be verified to use the key */; pin: string };

export interface Applet {
  name: AppletName;
  aid: Uint8Array;
  files: ReadonlyMap<number, ElementaryFile>;
}

export type AppletName = 'jpki' | 'cardInfo' | 'cardFace' | 'juki';

/** The application identifiers (card.md). */
export const AID: Record<AppletName, string> = {
  jpki: 'D392F000260100000001',
  cardInfo: 'D3921000310001010408',
  cardFace: 'D3921000310001010402',
  juki: 'D3921000310001010401',
};

export function applet(name: AppletName, aid: Uint8Array, files: readonly ElementaryFile[]): Applet {
  return { name, aid, files: new Map(files.map((f) => [f.id, f])) };
}

/** How a PIN is written; CHANGE REFERENCE DATA refuses a new value of another shape. */
export type PinFormat = 'digits4' | 'password' | 'digits12' | 'digits14' | 'digits6';

const FORMATS: Record<PinFormat, RegExp> = {
  digits4: /^[0-9]{4}$/,
  password: /^[A-Z0-9]{6,16}$/,
  digits12: /^[0-9]{12}$/,
  digits14: /^[0-9]{14}$/,
  digits6: /^[0-9]{6}$/,
};

export function pinFormatOk(format: PinFormat, value: string): boolean {
  return FORMATS[format].test(value);
}

/** A PIN's persistent record on the card. */
export interface PinRecord {
  value: string;
  triesLeft: number;
  maxTries: number;
  format: PinFormat;
  /** 照合番号 A/B and the birth-date key are fixed at issue: no CHANGE REFERENCE DATA */
  changeable: boolean;
}

/**
 * The applet with new contents for some of its binary EFs, their access rules
 * kept — what an issuer writes when it updates a card in service.
 */
export function rewriteFiles(a: Applet, data: ReadonlyMap<number, Uint8Array>): Applet {
  const files = new Map(a.files);
  for (const [id, bytes] of data) {
    const f = files.get(id);
    if (f?.type !== 'binary') throw new RangeError(`${a.name} has no binary EF ${id.toString(16)}`);
    files.set(id, { ...f, data: bytes });
  }
  return { ...a, files };
}
