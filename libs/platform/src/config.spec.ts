import { ConfigError, loadConfig } from './config';

describe('TRUST_PROXY', () => {
  const trustProxy = (value: string | undefined) => loadConfig({ TRUST_PROXY: value }).trustProxy;

  it('is off unless set: the client address is the socket’s', () => {
    expect(trustProxy(undefined)).toBe(false);
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('0')).toBe(false);
  });

  it('is a hop count or the proxies’ addresses and CIDRs', () => {
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy('10.0.0.1, 10.1.0.0/16,::1,fd00::/8')).toEqual(['10.0.0.1', '10.1.0.0/16', '::1', 'fd00::/8']);
  });

  it.each([
    ['true', /TRUST_PROXY=true: trusts every X-Forwarded-For hop/],
    ['yes', /TRUST_PROXY=yes: .*not yes/],
    ['10.0.0.1/33', /not 10\.0\.0\.1\/33/],
    ['10.0.0.300', /not 10\.0\.0\.300/],
    ['11', /TRUST_PROXY=11: a hop count from 0 to 10/],
  ])('%s stops the start with a message naming the variable', (value, message) => {
    expect(() => trustProxy(value)).toThrow(ConfigError);
    expect(() => trustProxy(value)).toThrow(message);
  });
});
