/**
 * Bytes of a runbook file to clean text. Runbooks reach us after years of copy-paste between
 * wikis, editors and operating systems: Windows-1252 files, UTF-16 exports, and above all
 * "mojibake" (UTF-8 read once as Windows-1252 or Mac Roman and saved again as UTF-8, so that
 * "é" shows as "Ã©" or "√©"). This file undoes that damage before the Markdown parser sees it,
 * and it must never damage a file that was fine.
 */
import { Buffer, isUtf8 } from 'node:buffer';

/** RepairedText is a file's content as clean text, with how it was read and what had to be undone. */
export interface RepairedText {
  /** LF line endings, no byte order mark. */
  text: string;
  /** How the bytes were read, before any mojibake repair. */
  encoding: 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';
  /** The code page a double encoding went through, set only when one was undone. */
  repaired?: 'windows-1252' | 'mac-roman';
  /**
   * Bytes that could not be recovered: the full UTF-8 length of every character dropped because
   * one of its bytes was lost, plus a dangling odd byte of UTF-16.
   */
  lost: number;
}

type CodePageName = 'windows-1252' | 'mac-roman';

// Windows-1252 0x80–0x9F. The zeros are the five bytes it leaves undefined (0x81 0x8D 0x8F 0x90
// 0x9D): a double encoding through it loses them, or keeps them as C1 controls.
// 0xA0–0xFF are the Latin-1 characters of the same value.
const WINDOWS_1252_80_9F: readonly number[] = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
  0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0, 0x017e, 0x0178,
];

// Mac OS Roman 0x80–0xFF (Apple's table, with the euro at 0xDB as since Mac OS 8.5). Its NBSP is
// 0xCA, not 0xA0, and 0xF0 is the Apple logo in the private use area.
const MAC_ROMAN_80_FF: readonly number[] = [
  0x00c4, 0x00c5, 0x00c7, 0x00c9, 0x00d1, 0x00d6, 0x00dc, 0x00e1, 0x00e0, 0x00e2, 0x00e4, 0x00e3, 0x00e5,
  0x00e7, 0x00e9, 0x00e8, 0x00ea, 0x00eb, 0x00ed, 0x00ec, 0x00ee, 0x00ef, 0x00f1, 0x00f3, 0x00f2, 0x00f4,
  0x00f6, 0x00f5, 0x00fa, 0x00f9, 0x00fb, 0x00fc, 0x2020, 0x00b0, 0x00a2, 0x00a3, 0x00a7, 0x2022, 0x00b6,
  0x00df, 0x00ae, 0x00a9, 0x2122, 0x00b4, 0x00a8, 0x2260, 0x00c6, 0x00d8, 0x221e, 0x00b1, 0x2264, 0x2265,
  0x00a5, 0x00b5, 0x2202, 0x2211, 0x220f, 0x03c0, 0x222b, 0x00aa, 0x00ba, 0x03a9, 0x00e6, 0x00f8, 0x00bf,
  0x00a1, 0x00ac, 0x221a, 0x0192, 0x2248, 0x2206, 0x00ab, 0x00bb, 0x2026, 0x00a0, 0x00c0, 0x00c3, 0x00d5,
  0x0152, 0x0153, 0x2013, 0x2014, 0x201c, 0x201d, 0x2018, 0x2019, 0x00f7, 0x25ca, 0x00ff, 0x0178, 0x2044,
  0x20ac, 0x2039, 0x203a, 0xfb01, 0xfb02, 0x2021, 0x00b7, 0x201a, 0x201e, 0x2030, 0x00c2, 0x00ca, 0x00c1,
  0x00cb, 0x00c8, 0x00cd, 0x00ce, 0x00cf, 0x00cc, 0x00d3, 0x00d4, 0xf8ff, 0x00d2, 0x00da, 0x00db, 0x00d9,
  0x0131, 0x02c6, 0x02dc, 0x00af, 0x02d8, 0x02d9, 0x02da, 0x00b8, 0x02dd, 0x02db, 0x02c7,
];

const NO_BYTE = -1;
// A U+FFFD inside a Windows-1252 run is what some tools wrote for an undefined byte: it stands
// for a byte we no longer have, so it is skipped rather than blocking the run's repair.
const LOST_BYTE = -2;

interface CodePage {
  readonly name: CodePageName;
  /** UTF-16 code unit → the byte it came from, NO_BYTE or LOST_BYTE. */
  readonly toByte: Int16Array;
  /** Only Windows-1252 has undefined bytes, so only there may a sequence be incomplete. */
  readonly lossy: boolean;
}

function windows1252(): CodePage {
  const toByte = new Int16Array(0x10000).fill(NO_BYTE);
  // C1 controls map to themselves so that kept undefined bytes and ISO-8859-1 readers both work.
  for (let b = 0x80; b <= 0xff; b++) toByte[b] = b;
  WINDOWS_1252_80_9F.forEach((cp, i) => {
    if (cp !== 0) toByte[cp] = 0x80 + i;
  });
  toByte[0xfffd] = LOST_BYTE;
  return { name: 'windows-1252', toByte, lossy: true };
}

function macRoman(): CodePage {
  const toByte = new Int16Array(0x10000).fill(NO_BYTE);
  MAC_ROMAN_80_FF.forEach((cp, i) => {
    toByte[cp] = 0x80 + i;
  });
  return { name: 'mac-roman', toByte, lossy: false };
}

const CODE_PAGES: readonly CodePage[] = [windows1252(), macRoman()];

/**
 * Every repairable run starts with a character standing for a UTF-8 lead byte followed by one
 * standing for a continuation byte; a text without such a pair is returned without a run scan.
 */
const CANDIDATE = new RegExp(
  CODE_PAGES.map((page) => `[${charsFor(page, 0xc2, 0xf4)}][${charsFor(page, 0x80, 0xbf)}]`).join('|'),
);

function charsFor(page: CodePage, low: number, high: number): string {
  let set = '';
  for (let unit = 0x80; unit < 0x10000; unit++) {
    const b = page.toByte[unit]!;
    if (b >= low && b <= high) set += `\\u${unit.toString(16).padStart(4, '0')}`;
  }
  return set;
}

// Run classes, weakest first. NONE: not a double encoding. LONE: only lead bytes whose
// continuation was lost, which is also what a clean "É" looks like. WEAK: decodes, but to
// something a clean text can produce by accident ("é\u00a0»" is a valid CJK character in
// Windows-1252, "’é" an Armenian one in Mac Roman). CUT: only sequences cut short by a lost
// byte, with a telling start ("â€", "ðŸ"); a clean "â" before a dash looks the same, so they
// never decide a repair alone. STRONG: decodes to what mojibake is made of.
const NONE = 0;
const LONE = 1;
const WEAK = 2;
const CUT = 3;
const STRONG = 4;
const CLASSES = 5;

/** Scratch state reused across runs, so the hot loop allocates nothing. */
interface Scratch {
  bytes: Uint8Array;
  /** Where the last emitting scan stopped writing. */
  written: number;
  lost: number;
  aGrave: boolean;
}

// Characters whose double encoding is common and whose accidental look-alikes are not: Latin-1
// and Latin Extended-A letters, Romanian and Vietnamese letters, punctuation, arrows, symbols,
// dingbats, variation selectors, BOM, U+FFFD, emoji. Cyrillic, Greek and CJK words are several
// characters long, so they qualify as STRONG by count instead.
function isCommon(cp: number): boolean {
  if (cp < 0x800) {
    return (
      (cp >= 0xa0 && cp <= 0x17f) ||
      cp === 0x1a0 ||
      cp === 0x1a1 ||
      cp === 0x1af ||
      cp === 0x1b0 ||
      (cp >= 0x218 && cp <= 0x21b)
    );
  }
  if (cp < 0x10000) {
    return (
      (cp >= 0x2000 && cp <= 0x2bff) ||
      (cp >= 0x1e00 && cp <= 0x1eff) ||
      (cp >= 0xfe00 && cp <= 0xfe0f) ||
      cp === 0xfeff ||
      cp === 0xfffd
    );
  }
  return cp < 0x40000;
}

// Same idea for a sequence cut short by a lost byte: "â€" (E2 80, a curly quote missing its
// last byte), "â­" (E2 AD, a star), "ðŸ" (F0 9F, an emoji), "ï¸" (EF B8, a variation
// selector). E2 A0–AB is left out because "â\u00a0" is a clean "â" before an NBSP.
function prefixIsCommon(lead: number, second: number): boolean {
  return (
    (lead === 0xe2 && (second <= 0x9f || second === 0xac || second === 0xad)) ||
    (lead === 0xef && second === 0xb8) ||
    (lead === 0xf0 && second === 0x9f)
  );
}

// The UTF-8 rules that forbid overlong forms, surrogates and code points past U+10FFFF.
function secondByteFits(lead: number, second: number): boolean {
  if (lead === 0xe0) return second >= 0xa0;
  if (lead === 0xed) return second <= 0x9f;
  if (lead === 0xf0) return second >= 0x90;
  if (lead === 0xf4) return second <= 0x8f;
  return true;
}

/**
 * Reads text[start, end) as bytes of `page` decoded as UTF-8 and returns the run's class. With
 * `out`, also writes the repaired UTF-16 there from `from` on; `aGrave` allows a trailing lone
 * "Ã" before a space to become "à", because editors turn the NBSP of "Ã\u00a0" into a space.
 */
function scanRun(
  s: Scratch,
  text: string,
  start: number,
  end: number,
  page: CodePage,
  out: Uint16Array | null,
  from: number,
  aGrave: boolean,
): number {
  const size = end - start;
  if (s.bytes.length < size) {
    s.bytes = new Uint8Array(size * 2);
  }
  const bytes = s.bytes;
  const toByte = page.toByte;
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = toByte[text.charCodeAt(i)]!;
    if (b >= 0) bytes[n++] = b;
    else if (b === NO_BYTE) return NONE;
  }
  let complete = 0;
  let fragments = 0;
  let strong = false;
  let weak = false;
  let cut = false;
  let lone = false;
  let o = from;
  let lost = 0;
  let graved = false;
  let i = 0;
  while (i < n) {
    const lead = bytes[i]!;
    if (lead < 0xc2 || lead > 0xf4) return NONE;
    const need = lead < 0xe0 ? 1 : lead < 0xf0 ? 2 : 3;
    let k = 0;
    while (k < need && i + 1 + k < n && (bytes[i + 1 + k]! & 0xc0) === 0x80) k++;
    const second = k > 0 ? bytes[i + 1]! : 0;
    if (k > 0 && !secondByteFits(lead, second)) return NONE;
    if (k < need) {
      if (!page.lossy) return NONE;
      if (k === 0) {
        if (need > 1) return NONE;
        lone = true;
        if (
          aGrave &&
          lead === 0xc3 &&
          i + 1 === n &&
          text.charCodeAt(end - 1) === 0xc3 &&
          text.charCodeAt(end) === 0x20
        ) {
          if (out) out[o++] = 0xe0;
          graved = true;
          i++;
          continue;
        }
      } else if (prefixIsCommon(lead, second)) cut = true;
      else weak = true;
      fragments++;
      lost += need + 1;
      i += 1 + k;
      continue;
    }
    let cp = lead & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let j = 1; j <= need; j++) cp = (cp << 6) | (bytes[i + j]! & 0x3f);
    // Text never holds C1 controls, so a pair decoding to one was never UTF-8.
    if (cp < 0xa0) return NONE;
    complete++;
    if (isCommon(cp)) strong = true;
    else weak = true;
    if (out) {
      if (cp < 0x10000) out[o++] = cp;
      else {
        out[o++] = 0xd800 + ((cp - 0x10000) >> 10);
        out[o++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
      }
    }
    i += need + 1;
  }
  s.written = o;
  s.lost = lost;
  s.aGrave = graved;
  // Lost bytes are rare; a run with more broken sequences than whole ones is some other
  // encoding's bytes that happen to look like UTF-8 here and there.
  if ((strong || complete >= 2) && complete >= fragments) return STRONG;
  if (cut && complete === 0) return CUT;
  if (weak || strong || cut) return WEAK;
  return lone ? LONE : NONE;
}

interface Pass {
  text: string;
  codePage?: CodePageName;
  lost: number;
}

/**
 * One round of undoing a double encoding. The code page is chosen per file, on STRONG runs only,
 * and needs two of them (or one and no run that fails to decode), so that a lone accident in a
 * clean file never starts a repair. WEAK and LONE runs are repaired only when the file is
 * predominantly mojibake (more STRONG and CUT runs than runs that do not decode), so a clean
 * paragraph next to a damaged one keeps its "É" and its "é\u00a0»". With `mostly`, STRONG and
 * CUT runs must outnumber all others: bytes that were not UTF-8 are either UTF-8 with a few
 * stray bytes (nearly every run STRONG) or another legacy encoding (GBK pairs of high bytes
 * are valid UTF-8 often enough to pass otherwise).
 */
function undoDoubleEncoding(text: string, s: Scratch, mostly: boolean): Pass {
  if (!CANDIDATE.test(text)) return { text, lost: 0 };
  const pages = CODE_PAGES.length;
  // Per run that some code page could repair: start, end, then one class per code page.
  const stride = 2 + pages;
  let runs = new Int32Array(stride * 1024);
  let stored = 0;
  const tally = new Int32Array(pages * CLASSES);
  const classes = new Int32Array(pages);
  const length = text.length;
  let at = 0;
  while (at < length) {
    if (text.charCodeAt(at) < 0x80) {
      at++;
      continue;
    }
    const start = at;
    while (at < length && text.charCodeAt(at) >= 0x80) at++;
    let any = false;
    for (let p = 0; p < pages; p++) {
      const page = CODE_PAGES[p]!;
      const cls =
        at - start === 1
          ? classifyOne(text.charCodeAt(start), page)
          : scanRun(s, text, start, at, page, null, 0, false);
      tally[p * CLASSES + cls]!++;
      classes[p] = cls;
      if (cls !== NONE) any = true;
    }
    if (!any) continue;
    if (stored + stride > runs.length) {
      const bigger = new Int32Array(runs.length * 2);
      bigger.set(runs);
      runs = bigger;
    }
    runs[stored] = start;
    runs[stored + 1] = at;
    runs.set(classes, stored + 2);
    stored += stride;
  }

  let best = -1;
  for (let p = 0; p < pages; p++) {
    const strong = tally[p * CLASSES + STRONG]!;
    if (strong < 2 && !(strong === 1 && tally[p * CLASSES + NONE] === 0)) continue;
    if (best < 0) {
      best = p;
      continue;
    }
    const bestStrong = tally[best * CLASSES + STRONG]!;
    const moreRuns = strong + tally[p * CLASSES + WEAK]! > bestStrong + tally[best * CLASSES + WEAK]!;
    if (strong > bestStrong || (strong === bestStrong && moreRuns)) best = p;
  }
  if (best < 0) return { text, lost: 0 };
  const page = CODE_PAGES[best]!;
  const at0 = best * CLASSES;
  const predominant = tally[at0 + STRONG]! + tally[at0 + CUT]! > tally[at0 + NONE]!;
  const others = tally[at0 + NONE]! + tally[at0 + LONE]! + tally[at0 + WEAK]!;
  if (mostly && tally[at0 + STRONG]! + tally[at0 + CUT]! <= others) return { text, lost: 0 };

  // The repair never lengthens the text, so one buffer of its length holds the result; joining
  // millions of small strings instead costs more than the whole scan.
  const out = new Uint16Array(length);
  let o = 0;
  let last = 0;
  let lost = 0;
  for (let r = 0; r < stored; r += stride) {
    const cls = runs[r + 2 + best]!;
    if (cls < CUT && !(predominant && cls !== NONE)) continue;
    const start = runs[r]!;
    const end = runs[r + 1]!;
    for (let i = last; i < start; i++) out[o++] = text.charCodeAt(i);
    scanRun(s, text, start, end, page, out, o, true);
    o = s.written;
    lost += s.lost;
    last = end;
    // "Ã" + NBSP-turned-space + the word's own space: the first space was part of the "à".
    if (s.aGrave && text.charCodeAt(end + 1) === 0x20) last = end + 1;
  }
  for (let i = last; i < length; i++) out[o++] = text.charCodeAt(i);
  let repaired = unitsToString(out.subarray(0, o));
  // "ï»¿" was a UTF-8 BOM before the double encoding.
  if (repaired.charCodeAt(0) === 0xfeff) repaired = repaired.slice(1);
  return { text: repaired, codePage: page.name, lost };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const UTF16BE = new TextDecoder('utf-16be', { ignoreBOM: true });

// Buffer's UTF-16 decoder is twice as fast as TextDecoder's, but only reads little-endian.
function unitsToString(units: Uint16Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
  return UTF16BE.decode(units);
}

// A lone character is at best a lead byte whose continuation was lost; most runs in clean
// text are one accented letter, so this saves the full scan.
function classifyOne(unit: number, page: CodePage): number {
  const b = page.toByte[unit]!;
  return page.lossy && b >= 0xc2 && b <= 0xdf ? LONE : NONE;
}

// Node 24's TextDecoder('windows-1252') decodes as ISO-8859-1 (0x80 gives U+0080, not €), so the
// code page is applied here.
const FROM_WINDOWS_1252 = new Uint16Array(256);
for (let b = 0; b < 256; b++)
  FROM_WINDOWS_1252[b] = b >= 0x80 && b <= 0x9f ? WINDOWS_1252_80_9F[b - 0x80] || b : b;

function decodeWindows1252(bytes: Uint8Array): string {
  const units = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) units[i] = FROM_WINDOWS_1252[bytes[i]!]!;
  return unitsToString(units);
}

// Done on bytes, before decoding: a regular expression over a decoded 10 MB string costs more
// than the rest of the repair. CR and LF are the same bytes in UTF-8 and Windows-1252.
function normaliseNewlines(bytes: Uint8Array): Uint8Array {
  const first = bytes.indexOf(0x0d);
  if (first < 0) return bytes;
  const out = new Uint8Array(bytes.length);
  out.set(bytes.subarray(0, first));
  let o = first;
  for (let i = first; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x0d) out[o++] = b;
    else {
      out[o++] = 0x0a;
      if (bytes[i + 1] === 0x0a) i++;
    }
  }
  return out.subarray(0, o);
}

const SAMPLE = 8192;

// Tab, LF, VT, FF, CR and ESC (colored logs pasted into runbooks) are text.
function isControl(unit: number): boolean {
  return (unit < 0x20 && (unit < 0x09 || unit > 0x0d) && unit !== 0x1b) || unit === 0x7f;
}

/** looksBinary tells whether bytes are probably not text: a NUL in the first 8 KB, or over 30% control characters there. */
export function looksBinary(bytes: Uint8Array): boolean {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  let units = 0;
  let controls = 0;
  if (utf16) {
    // UTF-16 text is half NUL bytes; judge its code units instead.
    const little = bytes[0] === 0xff;
    const end = Math.min(bytes.length - 1, SAMPLE);
    for (let i = 2; i < end; i += 2) {
      const unit = little ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!;
      if (unit === 0) return true;
      units++;
      if (isControl(unit)) controls++;
    }
  } else {
    const end = Math.min(bytes.length, SAMPLE);
    for (let i = 0; i < end; i++) {
      const b = bytes[i]!;
      if (b === 0) return true;
      units++;
      if (isControl(b)) controls++;
    }
  }
  return controls * 10 > units * 3;
}

/** repairText decodes a file's bytes to clean text: BOMs and UTF-16 honoured, Windows-1252 fallback, LF endings, double encoding undone. */
export function repairText(bytes: Uint8Array): RepairedText {
  let encoding: RepairedText['encoding'];
  let text: string;
  let lost = 0;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    encoding = 'utf-16le';
    text = decodeUtf16(bytes, encoding);
    lost = (bytes.length - 2) % 2;
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    encoding = 'utf-16be';
    text = decodeUtf16(bytes, encoding);
    lost = (bytes.length - 2) % 2;
  } else {
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    const body = normaliseNewlines(bom ? bytes.subarray(3) : bytes);
    if (isUtf8(body)) {
      encoding = 'utf-8';
      text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
    } else {
      // Also the right reading of a UTF-8 file with a few stray Windows-1252 bytes: its UTF-8
      // parts come out double encoded, and the repair below restores them.
      encoding = 'windows-1252';
      text = decodeWindows1252(body);
    }
  }
  if (encoding.startsWith('utf-16') && text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  // A binary file is returned as read: "repairing" it would only invent characters.
  if (looksBinary(bytes)) return { text, encoding, lost };

  const scratch: Scratch = { bytes: new Uint8Array(256), written: 0, lost: 0, aGrave: false };
  let repaired: CodePageName | undefined;
  // A text double encoded twice ("Ã¢â‚¬â„¢" for ’) needs a second round; a third is the limit.
  for (let round = 0; round < 3; round++) {
    const pass = undoDoubleEncoding(text, scratch, encoding === 'windows-1252');
    if (pass.codePage === undefined) break;
    repaired ??= pass.codePage;
    lost += pass.lost;
    if (pass.text === text) break;
    text = pass.text;
  }
  return repaired === undefined ? { text, encoding, lost } : { text, encoding, repaired, lost };
}

function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): string {
  const body = bytes.subarray(2, bytes.length - ((bytes.length - 2) % 2));
  return new TextDecoder(encoding, { ignoreBOM: true }).decode(body);
}
