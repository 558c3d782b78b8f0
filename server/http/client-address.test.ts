import { describe, expect, it } from 'vitest';
import { addressGroup } from './client-address.ts';

describe('addressGroup', () => {
  it('counts an IPv6 address by its /64, whatever its spelling, and an IPv4 one (mapped or not) by itself', () => {
    expect(addressGroup('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:0DB8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressGroup('fe80::1%eth0')).toBe('fe80::/64');
    expect(addressGroup('::1')).toBe('::/64');
    expect(addressGroup('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressGroup('198.51.100.7')).toBe('198.51.100.7');
    // Not an address (a vouched group, or nothing known): as given, and the same again.
    expect(addressGroup('unknown')).toBe('unknown');
    expect(addressGroup(addressGroup('2001:db8::5'))).toBe('2001:db8::/64');
  });
});
