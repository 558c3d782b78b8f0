// Unit tests of the dashboard's sign-in redirect check (vitest does not collect tests under web/).
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDIRECT, safeRedirect } from '../web/src/lib/server/redirect.ts';

/** Printable ASCII only: what a `Location` header can carry. */
const HEADER_SAFE = /^[\x21-\x7e]*$/;

describe('safeRedirect', () => {
  it.each([
    ['/experiments', '/experiments'],
    ['/experiments/abc123', '/experiments/abc123'],
    ['/experiments?sort=loss&desc=1', '/experiments?sort=loss&desc=1'],
    ['/account#tokens', '/account#tokens'],
    ['/experiments/abc?x=1#trials', '/experiments/abc?x=1#trials'],
    ['/a/./b/../c', '/a/c'],
  ])('keeps the same-site path %j', (target, expected) => {
    expect(safeRedirect(target)).toBe(expected);
  });

  it.each([
    ['a tab after the slash', '/\t/evil.example'],
    ['a tab between the slashes, percent-decoded', decodeURIComponent('/%09/evil.example')],
    ['a newline between the slashes', '/\n/evil.example'],
    ['a carriage return between the slashes', '/\r/evil.example'],
    ['a backslash', '/\\evil.example'],
    ['a backslash after a tab', '/\t\\evil.example'],
    ['two slashes', '//evil.example'],
    ['two slashes and a path', '//evil.example/experiments'],
    ['dot segments that collapse into two slashes', '/..//evil.example'],
    ['a dot segment before two slashes', '/.//evil.example'],
    ['percent-encoded dot segments', '/%2e%2e//evil.example'],
    ['an absolute http URL', 'http://evil.example/'],
    ['an absolute https URL', 'https://evil.example/experiments'],
    ['a scheme-relative URL with credentials', '//user@evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a javascript: URL with a leading space', ' javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a relative path', 'experiments'],
    ['a leading space', ' /experiments'],
    ['an empty string', ''],
  ])('refuses %s', (_what, target) => {
    expect(safeRedirect(target)).toBe(DEFAULT_REDIRECT);
  });

  it('falls back when there is no target', () => {
    expect(safeRedirect(null)).toBe(DEFAULT_REDIRECT);
    expect(safeRedirect(undefined)).toBe(DEFAULT_REDIRECT);
  });

  it('keeps percent-encoded slashes encoded, as one path segment on this site', () => {
    expect(safeRedirect('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
    expect(safeRedirect('/%2f%2fevil.example/x')).toBe('/%2f%2fevil.example/x');
  });

  it('drops CR and LF, so no header can be injected', () => {
    expect(safeRedirect('/experiments\r\nSet-Cookie: a=b')).toBe('/experimentsSet-Cookie:%20a=b');
    expect(safeRedirect('/experiments?x=1\r\nLocation: //evil.example')).toBe('/experiments?x=1Location:%20//evil.example');
  });

  it('percent-encodes non-ASCII in the path, query and fragment', () => {
    expect(safeRedirect('/expériences?nom=café#résumé')).toBe('/exp%C3%A9riences?nom=caf%C3%A9#r%C3%A9sum%C3%A9');
    expect(safeRedirect('/\u{1F600}')).toBe('/%F0%9F%98%80');
    expect(safeRedirect('/a\u2028b')).toBe('/a%E2%80%A8b');
  });

  it('returns only printable ASCII starting with a single slash, whatever it is given', () => {
    const targets = ['/\t/x', '/é', '/a b', '/a"b<c>', '/a\u0000b', '/a\u007fb', '/?q=\u00a0', '/#\u0085', '/x\\y', '/x?a=\\', '/\u00ff/\u0100'];
    for (const target of targets) {
      const result = safeRedirect(target);
      expect(result, JSON.stringify(target)).toMatch(HEADER_SAFE);
      expect(result, JSON.stringify(target)).toMatch(/^\/(?![/\\])/);
    }
  });
});
