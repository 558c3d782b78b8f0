import { describe, expect, it } from 'vitest';
import { cutText, keyProblem, nameProblem, printable, storableText, textProblem } from './text.ts';

describe('user text', () => {
  it('refuses half a surrogate pair anywhere, and keeps whole pairs', () => {
    for (const check of [(text: string) => nameProblem(text, 100), (text: string) => textProblem(text, 100), (text: string) => keyProblem(text, 100)]) {
      expect(check('a\ud800')).toBe('must be valid Unicode, but got a lone surrogate U+D800 at position 1');
      expect(check('\udfffa')).toBe('must be valid Unicode, but got a lone surrogate U+DFFF at position 0');
      expect(check('a\udc00\ud800b')).toMatch(/U\+DC00 at position 1/);
      expect(check('smile \ud83d\ude00')).toBeNull();
    }
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
  });
});
