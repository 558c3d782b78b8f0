import { describe, expect, it } from 'vitest';
import { formatTags, parseTags } from './tag-list';

describe('the tags editor text', () => {
  it('gives back the tags it showed, commas and quotes in them included', () => {
    const tags = ['lr=1e-3,bs=64', 'alpha', 'say "hi"', '"quoted", really', 'plain'];
    expect(formatTags(tags)).toBe('"lr=1e-3,bs=64", alpha, say "hi", """quoted"", really", plain');
    expect(parseTags(formatTags(tags))).toEqual(tags);
  });

  it('splits what a person types at commas, trimmed, blanks left out', () => {
    expect(parseTags(' vision , baseline,, Vision ,')).toEqual(['vision', 'baseline', 'Vision']);
    expect(parseTags('')).toEqual([]);
    expect(parseTags('"a,b" , c')).toEqual(['a,b', 'c']);
    expect(parseTags('"open, to the end')).toEqual(['open, to the end']);
  });
});
