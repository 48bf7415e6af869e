import { describe, expect, it } from 'vitest';
import { readPagePath } from '../../../server/http/page-path';

describe('readPagePath', () => {
  it.each([
    ['absent', undefined],
    ['empty', ''],
  ])('defaults to "/" when the path is %s', (_label, value) => {
    expect(readPagePath(value)).toBe('/');
  });

  it.each([
    '/',
    '/pricing',
    '/pricing?x=1',
    '/pricing?utm_source=news&utm_medium=email',
    '/blog/2026/02/launch#comments',
    '/caf%C3%A9',
    '/a/b/c/',
    `/${'a'.repeat(2047)}`,
  ])('accepts the page path %s as it is', (path) => {
    expect(readPagePath(path)).toBe(path);
  });

  it.each([
    ['a protocol-relative URL', '//evil.com'],
    ['a protocol-relative URL with a path', '//evil.com/pricing'],
    ['an absolute http URL', 'http://x'],
    ['an absolute https URL', 'https://shop.example.com/pricing'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path', 'pricing'],
    ['a relative dot path', './pricing'],
    ['a leading space', ' /pricing'],
    ['a space inside', '/pricing page'],
    ['a tab', '/pricing\tx'],
    ['a newline (header or log injection)', '/pricing\nX-Injected: 1'],
    ['a carriage return', '/pricing\r'],
    ['a NUL byte', '/pricing\u0000'],
    ['DEL', '/pricing\u007f'],
    ['a raw non-ASCII character', '/café'],
    ['one character over 2048', `/${'a'.repeat(2048)}`],
    ['a very long path', `/${'a'.repeat(100_000)}`],
  ])('rejects %s', (_label, value) => {
    expect(readPagePath(value)).toBeNull();
  });

  it.each([
    ['an array (repeated ?path=)', ['/pricing', '/about']],
    ['an object (?path[a]=)', { a: '/pricing' }],
    ['a number', 42],
    ['null', null],
  ])('rejects a non-string query value: %s', (_label, value) => {
    expect(readPagePath(value)).toBeNull();
  });
});
