import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { looksBinary, repairText } from '../../src/runbook/import/text-repair.ts';

const FIXTURES = new URL('../fixtures/runbooks/', import.meta.url);

function fixture(name: string): Uint8Array {
  return readFileSync(new URL(name, FIXTURES));
}

// The code pages written out again, independently of the tables in the source, so that a typo
// there shows up here. Windows-1252 keeps its five undefined bytes as C1 controls (WHATWG).
const WINDOWS_1252_HIGH =
  '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ' +
  String.fromCharCode(...Array.from({ length: 96 }, (_, i) => 0xa0 + i));
const MAC_ROMAN_HIGH =
  'ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»…\u00a0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uf8ffÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ';
const UNDEFINED_IN_1252 = [0x81, 0x8d, 0x8f, 0x90, 0x9d];

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const decodeUtf8 = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** The damage under test: UTF-8 bytes read through a code page, the result saved as UTF-8. */
function doubleEncode(text: string, high: string, undefinedBytes: 'keep' | 'drop' = 'keep'): string {
  let out = '';
  for (const b of utf8(text)) {
    if (b < 0x80) out += String.fromCharCode(b);
    else if (undefinedBytes === 'drop' && high === WINDOWS_1252_HIGH && UNDEFINED_IN_1252.includes(b))
      continue;
    else out += high[b - 0x80];
  }
  return out;
}

function encodeWindows1252(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x80) return code;
    const at = WINDOWS_1252_HIGH.indexOf(c);
    assert.ok(at >= 0, `no Windows-1252 byte for ${c}`);
    return 0x80 + at;
  });
}

function assertNoMojibake(text: string): void {
  for (const bad of ['Ã', 'â€', '√', 'ðŸ', 'Ôø', 'ï¸']) {
    assert.ok(
      !text.includes(bad),
      `"${bad}" left at ${JSON.stringify(text.slice(text.indexOf(bad) - 20, text.indexOf(bad) + 20))}`,
    );
  }
}

const lineCount = (text: string): number => text.split('\n').length;

const SAMPLE =
  'Équipe d’astreinte : vérifier la santé — redémarrer « proprement » si besoin.\n' +
  '🔴 Critique → escalader ; ⚠️ attention ; ✅ résolu ; coût 5 € ; naïve, Noël, Straße, ½, ©\n' +
  'Ελληνικά, Привет, 日本語, șețe, Tiếng Việt, 🛡️ 🐍 🏁 ❌ 🟠\n';

const CLEAN_FRENCH =
  'Dernière mise à jour : 5 février 2026 — l’équipe « Plateforme » répond.\n' +
  'Ça coûte 5 € ; voir l’été, déjà vu… Où est-ce\u00a0? Allô\u00a0! Tâche «\u00a0café\u00a0» prête.\n' +
  'CAFÉ» ÉTÉ\u00a0: À noter — « Œuvre » et «\u00a0déjà\u00a0» et «\u00a0voilà\u00a0» ; cœur, naïf, où, Noël.\n';

describe('repairText: fixtures', () => {
  test('000: UTF-8 read once as Windows-1252', () => {
    const bytes = fixture('000_4aa57bcdda26359e.txt');
    const result = repairText(bytes);
    assert.equal(result.encoding, 'utf-8');
    assert.equal(result.repaired, 'windows-1252');
    assert.equal(result.lost, 0);
    assertNoMojibake(result.text);
    for (const word of [
      'Dernière mise à jour',
      'Équipe',
      '🔴',
      '🟠',
      '🟡',
      'Opérationnel',
      '→',
      '€',
      'Matières',
    ]) {
      assert.ok(result.text.includes(word), word);
    }
    assert.equal(lineCount(result.text), lineCount(decodeUtf8(bytes)));
    assert.deepEqual(repairText(utf8(result.text)), { text: result.text, encoding: 'utf-8', lost: 0 });
  });

  test('002: Windows-1252 with the undefined bytes lost', () => {
    const bytes = fixture('002_e461e3d85802dcad.txt');
    const result = repairText(bytes);
    assert.equal(result.repaired, 'windows-1252');
    assertNoMojibake(result.text);
    for (const word of [
      '🚨 FOOTBALL',
      '📋 QUICK REFERENCE',
      '🛡 SECURITY INCIDENTS',
      '(⚠ data loss)',
      '🔥',
      '🔧',
      '📞',
      '📊',
    ]) {
      assert.ok(result.text.includes(word), word);
    }
    // Both U+FE0F variation selectors (EF B8 8F) lost their 0x8F.
    assert.equal(result.lost, 6);
    assert.ok(!result.text.includes('\ufffd'));
    assert.equal(lineCount(result.text), lineCount(decodeUtf8(bytes)));
  });

  test('003: UTF-8 read once as Mac Roman', () => {
    const bytes = fixture('003_b5e6c50738bde8b2.txt');
    const result = repairText(bytes);
    assert.equal(result.repaired, 'mac-roman');
    assert.equal(result.lost, 0);
    assertNoMojibake(result.text);
    const words = [
      'Symptômes',
      '→',
      '⚠️',
      '🔴',
      '🚨 Runbook Incident Production — Sylion',
      'Rôle',
      'À définir',
      '✅',
      '❌',
    ];
    for (const word of words) assert.ok(result.text.includes(word), word);
    // The original already held two U+FFFD; they are its content, not damage.
    assert.equal(result.text.split('\ufffd').length - 1, 2);
    assert.ok(result.text.includes('## \ufffd🔧 Commandes utiles mémo'));
    assert.equal(lineCount(result.text), lineCount(decodeUtf8(bytes)));
  });

  for (const name of ['001_30b92af8b0b53331.txt', '004_5e8796ab6fc91568.txt']) {
    test(`${name.slice(0, 3)}: clean UTF-8 comes back unchanged`, () => {
      const bytes = fixture(name);
      assert.deepEqual(repairText(bytes), { text: decodeUtf8(bytes), encoding: 'utf-8', lost: 0 });
    });
  }
});

describe('repairText: double encoding', () => {
  test('the test tables are whole', () => {
    assert.equal(WINDOWS_1252_HIGH.length, 128);
    assert.equal(MAC_ROMAN_HIGH.length, 128);
  });

  test('a sample round-trips through Windows-1252', () => {
    const result = repairText(utf8(doubleEncode(SAMPLE, WINDOWS_1252_HIGH)));
    assert.deepEqual(result, { text: SAMPLE, encoding: 'utf-8', repaired: 'windows-1252', lost: 0 });
  });

  test('a sample round-trips through Mac Roman', () => {
    const result = repairText(utf8(doubleEncode(SAMPLE, MAC_ROMAN_HIGH)));
    assert.deepEqual(result, { text: SAMPLE, encoding: 'utf-8', repaired: 'mac-roman', lost: 0 });
  });

  test('every two-byte character round-trips, even alone between spaces', () => {
    // Covers every continuation byte and every two-byte lead of both tables.
    const chars = Array.from({ length: 0x800 - 0xa0 }, (_, i) => String.fromCharCode(0xa0 + i));
    const text = `${chars.join(' ')}\n${chars.join('')}\n中文字符 ☃ 🦀 \ufeff\n`;
    for (const high of [WINDOWS_1252_HIGH, MAC_ROMAN_HIGH]) {
      assert.equal(repairText(utf8(doubleEncode(text, high))).text, text);
    }
  });

  test('ASCII is untouched and a file mixing clean and damaged lines comes out clean', () => {
    const clean = 'Déjà vu: `grep -r "é" /var/log` → OK ✅\n';
    const result = repairText(utf8(clean + doubleEncode(clean, WINDOWS_1252_HIGH) + clean));
    assert.equal(result.text, clean + clean + clean);
    assert.equal(result.repaired, 'windows-1252');
  });

  test('a clean paragraph keeps its look-alikes next to a damaged line', () => {
    // "é\u00a0»" and "É»" decode as UTF-8 when read as Windows-1252 bytes; in a file that is
    // mostly clean they must stay as they are.
    const damaged = doubleEncode('Dernière mise à jour 🔴\n', WINDOWS_1252_HIGH);
    const result = repairText(utf8(CLEAN_FRENCH + damaged + CLEAN_FRENCH));
    assert.equal(result.text, `${CLEAN_FRENCH}Dernière mise à jour 🔴\n${CLEAN_FRENCH}`);
  });

  test('text double encoded twice is repaired twice', () => {
    const twice = doubleEncode(doubleEncode('l’équipe → 🔴', WINDOWS_1252_HIGH), WINDOWS_1252_HIGH);
    assert.ok(twice.startsWith('lÃ¢â‚¬â„¢'));
    assert.deepEqual(repairText(utf8(twice)), {
      text: 'l’équipe → 🔴',
      encoding: 'utf-8',
      repaired: 'windows-1252',
      lost: 0,
    });
  });

  test('a double-encoded BOM ("ï»¿") is removed', () => {
    const result = repairText(utf8(doubleEncode('\ufeff# Runbook opérationnel\n', WINDOWS_1252_HIGH)));
    assert.equal(result.text, '# Runbook opérationnel\n');
  });
});

describe('repairText: lost bytes', () => {
  const text = 'Attention ⚠️ : données 🛡️ sauvegardées ❌ échec 🐍 Íle\n';

  test('characters missing a byte are dropped and counted, never left as mojibake', () => {
    const damaged = doubleEncode(text, WINDOWS_1252_HIGH, 'drop');
    assert.ok(damaged.includes('ðŸ›¡ï¸ ') && damaged.includes('âŒ ') && damaged.includes(' ðŸ Ãle'));
    const result = repairText(utf8(damaged));
    assert.equal(result.text, 'Attention ⚠ : données 🛡 sauvegardées  échec  le\n');
    assert.equal(result.repaired, 'windows-1252');
    // FE0F twice (3 + 3), ❌ (3), 🐍 (4), Í (2).
    assert.equal(result.lost, 15);
    assertNoMojibake(result.text);
  });

  test('undefined bytes kept as C1 controls are recovered', () => {
    const damaged = doubleEncode(text, WINDOWS_1252_HIGH, 'keep');
    assert.ok(damaged.includes('\u008f'));
    assert.deepEqual(repairText(utf8(damaged)), {
      text,
      encoding: 'utf-8',
      repaired: 'windows-1252',
      lost: 0,
    });
  });

  test('a U+FFFD written for a lost byte is dropped with it', () => {
    const result = repairText(utf8('SÃ©curitÃ© : ðŸ›¡ï¸\ufffd SECURITY'));
    assert.equal(result.text, 'Sécurité : 🛡 SECURITY');
  });

  test('"Ã" whose NBSP became a space is read as "à"', () => {
    const damaged = 'DerniÃ¨re mise Ã  jour, prÃªt Ã partir.';
    assert.equal(repairText(utf8(damaged)).text, 'Dernière mise à jour, prêt à partir.');
  });
});

describe('repairText: clean text is left alone', () => {
  test('French typography in UTF-8', () => {
    assert.deepEqual(repairText(utf8(CLEAN_FRENCH)), { text: CLEAN_FRENCH, encoding: 'utf-8', lost: 0 });
  });

  test('French typography saved as Windows-1252', () => {
    const result = repairText(encodeWindows1252(CLEAN_FRENCH));
    assert.deepEqual(result, { text: CLEAN_FRENCH, encoding: 'windows-1252', lost: 0 });
  });

  test('one look-alike among clean accents does not start a repair', () => {
    // "Ã»" is "û" double encoded, and also a Portuguese capital before a closing guillemet.
    const text = 'A reunião de «AMANHÃ» começa às nove.';
    assert.deepEqual(repairText(utf8(text)), { text, encoding: 'utf-8', lost: 0 });
    // Alone, with nothing clean around it, the same run is taken for damage.
    assert.equal(repairText(utf8('cafÃ©')).text, 'café');
  });

  test('lone accented capitals and real emoji', () => {
    for (const text of [
      'é',
      'Ã',
      'NÃO É SÃO',
      'IRMÃ e MAÇÃ ',
      'À ',
      '🔴 ⚠️ → ✅ 🛡️',
      'Ω ≈ √2 ∞',
      '«\u00a0ÉTÉ\u00a0»',
    ]) {
      assert.deepEqual(repairText(utf8(text)), { text, encoding: 'utf-8', lost: 0 }, text);
    }
  });
});

describe('repairText: decoding', () => {
  test('bytes that are not UTF-8 are read as Windows-1252', () => {
    const bytes = Uint8Array.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x92, 0x80, 0x9d, 0x0d, 0x0a, 0x9f]);
    assert.deepEqual(repairText(bytes), { text: 'Café ’€\u009d\nŸ', encoding: 'windows-1252', lost: 0 });
  });

  test('another legacy encoding read as Windows-1252 is not taken for double encoding', () => {
    // "如何在 Python 中使用既有的 C library?" in GBK: some of its byte pairs are valid UTF-8.
    const gbk = Buffer.from(
      'c8e7baced4da20507974686f6e20d6d0cab9d3c3bcc8d3d0b5c42043206c6962726172793f0a',
      'hex',
    );
    const text = Array.from(gbk, (b) =>
      b < 0x80 ? String.fromCharCode(b) : WINDOWS_1252_HIGH[b - 0x80],
    ).join('');
    assert.deepEqual(repairText(gbk), { text, encoding: 'windows-1252', lost: 0 });
  });

  test('UTF-8 with a stray Windows-1252 byte is recovered whole', () => {
    const bytes = new Uint8Array([...utf8('Équipe: '), 0x92, ...utf8(' résumé → 🔴')]);
    assert.deepEqual(repairText(bytes), {
      text: 'Équipe: ’ résumé → 🔴',
      encoding: 'windows-1252',
      repaired: 'windows-1252',
      lost: 0,
    });
  });

  test('a UTF-8 BOM is stripped', () => {
    assert.deepEqual(repairText(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('# Été')])), {
      text: '# Été',
      encoding: 'utf-8',
      lost: 0,
    });
    assert.deepEqual(repairText(Uint8Array.from([0xef, 0xbb, 0xbf])), {
      text: '',
      encoding: 'utf-8',
      lost: 0,
    });
  });

  test('UTF-16 with a BOM, either byte order', () => {
    const text = '# Été 🔴\r\nligne\rfin\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le).swap16();
    assert.deepEqual(repairText(le), { text: '# Été 🔴\nligne\nfin\n', encoding: 'utf-16le', lost: 0 });
    assert.deepEqual(repairText(be), { text: '# Été 🔴\nligne\nfin\n', encoding: 'utf-16be', lost: 0 });
    assert.equal(looksBinary(le), false);
    assert.equal(repairText(Buffer.concat([le, Buffer.from([0x41])])).lost, 1);
  });

  test('CRLF and CR become LF', () => {
    assert.equal(repairText(utf8('a\r\nb\rc\n\r\nd\r')).text, 'a\nb\nc\n\nd\n');
    assert.equal(repairText(Uint8Array.from([0x61, 0x0d, 0x0a, 0xe9, 0x0d])).text, 'a\né\n');
  });

  test('empty input', () => {
    assert.deepEqual(repairText(new Uint8Array(0)), { text: '', encoding: 'utf-8', lost: 0 });
    assert.equal(looksBinary(new Uint8Array(0)), false);
  });
});

describe('looksBinary and binary input', () => {
  const png = Uint8Array.from([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
  ]);

  test('NUL bytes or mostly control characters mean binary', () => {
    assert.equal(looksBinary(png), true);
    assert.equal(looksBinary(Uint8Array.from({ length: 100 }, (_, i) => (i % 31) + 1)), true);
    assert.equal(looksBinary(utf8(CLEAN_FRENCH)), false);
    assert.equal(looksBinary(utf8('\u001b[31mERROR\u001b[0m\ttab\fform feed\n')), false);
    // Only the first 8 KB are looked at.
    assert.equal(looksBinary(new Uint8Array([...utf8('a'.repeat(9000)), 0])), false);
  });

  test('binary input is returned as read, without a repair', () => {
    const bytes = new Uint8Array([...png, ...utf8('DerniÃ¨re'), 0xff, 0xfe, 0x00]);
    const result = repairText(bytes);
    assert.equal(result.encoding, 'windows-1252');
    assert.equal(result.repaired, undefined);
    // Read as Windows-1252 (the PNG bytes are not UTF-8), and not repaired.
    assert.ok(result.text.includes('DerniÃƒÂ¨re'));
    const random = Uint8Array.from({ length: 65536 }, (_, i) => (i * 2654435761) >>> 24);
    assert.equal(typeof repairText(random).text, 'string');
  });
});

describe('repairText: large input', () => {
  test('10 MB of double-encoded text', () => {
    const one = fixture('000_4aa57bcdda26359e.txt');
    const copies = Math.ceil(10_000_000 / one.length);
    const bytes = new Uint8Array(one.length * copies);
    for (let i = 0; i < copies; i++) bytes.set(one, i * one.length);
    const result = repairText(bytes);
    assert.equal(result.repaired, 'windows-1252');
    assert.equal(result.text, repairText(one).text.repeat(copies));
  });

  test('10 MB of clean French', () => {
    const text = CLEAN_FRENCH.repeat(Math.ceil(10_000_000 / CLEAN_FRENCH.length));
    const result = repairText(utf8(text));
    assert.equal(result.repaired, undefined);
    assert.ok(result.text === text);
  });
});
