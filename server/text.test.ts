import { describe, expect, it } from 'vitest';
import { cutText, keyProblem, nameProblem, newNameProblem, printable, storableText, textProblem } from './text.ts';

describe('user text', () => {
  it('refuses half a surrogate pair anywhere, and keeps whole pairs', () => {
    for (const check of [(text: string) => nameProblem(text, 100), (text: string) => textProblem(text, 100), (text: string) => keyProblem(text, 100)]) {
      expect(check('a\ud800')).toBe('must be valid Unicode, but got a lone surrogate U+D800 at position 1');
      expect(check('\udfffa')).toBe('must be valid Unicode, but got a lone surrogate U+DFFF at position 0');
      expect(check('a\udc00\ud800b')).toMatch(/U\+DC00 at position 1/);
      expect(check('smile \ud83d\ude00')).toBeNull();
    }
  });

  it('refuses new names that hide characters or turn around, and keeps joiners and right-to-left text', () => {
    expect(newNameProblem('Base\u200bline', 100)).toBe('must not contain invisible or text-direction characters, but got U+200B at position 4');
    expect(newNameProblem('\u202eenilesab', 100)).toMatch(/U\+202E at position 0/);
    for (const hidden of ['\u00ad', '\u034f', '\u3164', '\u2028', '\u2060', '\u2066', '\u2069', '\ufeff', '\ufffb']) expect(newNameProblem(`a${hidden}b`, 100)).toMatch(/invisible/);
    for (const shown of ['\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645', '\ud83d\udc69\u200d\ud83d\udd2c run', 'lr \u200e\u05e9\u05dc\u05d5\u05dd', 'Grüße, 東京', '\u2764\ufe0f']) {
      expect(newNameProblem(shown, 100)).toBeNull();
    }
    // The other rules hold for new names too; names in use (stored before the rule) are only held to those.
    expect(newNameProblem('a\nb', 100)).toMatch(/control characters/);
    expect(nameProblem('Base\u200bline', 100)).toBeNull();
    // Free text (descriptions, error messages) may hold them: it is shown as text, not used as a key.
    expect(textProblem('Base\u200bline \u202e', 100)).toBeNull();
  });

  it('refuses __proto__ as a key, as it does as a name', () => {
    expect(keyProblem('__proto__', 100)).toBe('must not be "__proto__"');
    expect(nameProblem('__proto__', 100)).toBe('must not be "__proto__"');
    expect(textProblem('__proto__', 100)).toBeNull();
    expect(keyProblem('a b\tc', 100)).toBeNull();
  });

  it('cuts text between characters, never inside a surrogate pair', () => {
    const smiles = '\ud83d\ude00'.repeat(3);
    expect(cutText(smiles, 3)).toBe('\ud83d\ude00');
    expect(cutText(smiles, 4)).toBe('\ud83d\ude00\ud83d\ude00');
    expect(cutText(smiles, 10)).toBe(smiles);
    expect(textProblem(cutText(smiles, 5), 100)).toBeNull();
  });

  it('makes text from elsewhere storable: NUL and lone surrogates become U+FFFD', () => {
    const text = storableText('a\u0000b\ude00c\ud83d\ude00d\ud83d');
    expect(text).toBe('a\ufffdb\ufffdc\ud83d\ude00d\ufffd');
    expect(textProblem(text, 100)).toBeNull();
  });

  it('prints control characters and lone surrogates escaped, the rest as it is', () => {
    expect(printable('x\u001b[31mred\tok\u0085\ud800 \ud83d\ude00 é')).toBe('x\\u001b[31mred\\u0009ok\\u0085\\ud800 \ud83d\ude00 é');
    expect(printable('Leg\u200bacy \u202eevil')).toBe('Leg\\u200bacy \\u202eevil');
  });
});
