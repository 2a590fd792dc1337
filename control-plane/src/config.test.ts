import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { planTable } from './plans.js';

describe('billing configuration', () => {
  it('is off unless BILLING=stripe, and then needs real-looking keys', () => {
    expect(loadConfig({}).billing).toEqual({ kind: 'none', pastDueGraceDays: 7 });
    expect(() => loadConfig({ BILLING: 'stripe' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => loadConfig({ BILLING: 'stripe', STRIPE_SECRET_KEY: 'sk_test_1' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
    expect(() => loadConfig({ BILLING: 'paypal' })).toThrow(ConfigError);
    const billing = loadConfig({
      BILLING: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_1',
      STRIPE_WEBHOOK_SECRET: 'whsec_1',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
      STRIPE_PRICE_PRO: 'pro_2027',
    }).billing;
    expect(billing).toMatchObject({
      kind: 'stripe',
      api: { host: '127.0.0.1', port: 12111, protocol: 'http' },
      priceLookupKeys: { starter: 'cutline_starter_monthly', pro: 'pro_2027', business: 'cutline_business_monthly' },
    });
  });
});

describe('CUTLINE_PLANS', () => {
  it('overrides plan limits per plan, nested pod limits merged', () => {
    const config = loadConfig({
      CUTLINE_PLANS: JSON.stringify({
        free: { rendersPerMonth: 50, batch: true, renderPod: { cpu: '500m' } },
        enterprise: { rendersPerMonth: 10_000, overage: true },
      }),
    });
    const plans = planTable(config.planOverrides);
    expect(plans.free).toMatchObject({
      rendersPerMonth: 50,
      batch: true,
      maxResolution: 720,
      renderPod: { cpu: '500m', memory: '1Gi' },
    });
    expect(plans.enterprise).toMatchObject({ rendersPerMonth: 10_000, overage: true });
  });

  it('names the bad field', () => {
    expect(() => loadConfig({ CUTLINE_PLANS: '{' })).toThrow(/CUTLINE_PLANS is not valid JSON/);
    expect(() => loadConfig({ CUTLINE_PLANS: '{"gold":{}}' })).toThrow(/CUTLINE_PLANS/);
    expect(() => loadConfig({ CUTLINE_PLANS: '{"free":{"renderz":3}}' })).toThrow(/CUTLINE_PLANS \/free/);
    expect(() => loadConfig({ CUTLINE_PLANS: '{"free":{"renderPod":{"gpu":"1"}}}' })).toThrow(
      /CUTLINE_PLANS \/free\/renderPod/,
    );
    expect(() => loadConfig({ CUTLINE_PLANS: '{"free":{"maxResolution":999}}' })).toThrow(/\/free\/maxResolution/);
    expect(() => loadConfig({ CUTLINE_PLANS: '{"pro":{"rendersPerMonth":-1}}' })).toThrow(/\/pro\/rendersPerMonth/);
  });
});

describe('CUTLINE_API_KEY_CACHE', () => {
  it('is on unless set to false; on/off and anything else are refused', () => {
    expect(loadConfig({}).auth.apiKeyCache).toBe(true);
    expect(loadConfig({ CUTLINE_API_KEY_CACHE: 'true' }).auth.apiKeyCache).toBe(true);
    expect(loadConfig({ CUTLINE_API_KEY_CACHE: 'false' }).auth.apiKeyCache).toBe(false);
    expect(() => loadConfig({ CUTLINE_API_KEY_CACHE: 'off' })).toThrow(/CUTLINE_API_KEY_CACHE takes true or false/);
    expect(() => loadConfig({ CUTLINE_API_KEY_CACHE: 'yes' })).toThrow(/CUTLINE_API_KEY_CACHE/);
  });
});

describe('one syntax for durations, integers and switches', () => {
  it('reads durations with their unit, and names the variable and its range when one is wrong', () => {
    const config = loadConfig({
      CUTLINE_REQUEST_TIMEOUT: '45s',
      CUTLINE_REFRESH_TOKEN_TTL: '36h',
      CUTLINE_JOB_TTL: '2h',
    });
    expect(config.http.requestTimeoutMs).toBe(45_000);
    expect(config.auth.refreshTokenDays).toBe(1.5);
    expect(() => loadConfig({ CUTLINE_REFRESH_TOKEN_TTL: '12h' })).toThrow(
      /CUTLINE_REFRESH_TOKEN_TTL .*must be from 1d to 365d/,
    );
    expect(config.kubernetes.jobTtlSeconds).toBe(7200);
    expect(() => loadConfig({ CUTLINE_REQUEST_TIMEOUT: '45' })).toThrow(
      /CUTLINE_REQUEST_TIMEOUT .*a duration such as 30s/,
    );
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT .*an integer from 0 to 65535/);
    expect(() => loadConfig({ CUTLINE_LOCAL_WORKERS: '99' })).toThrow(/CUTLINE_LOCAL_WORKERS .*must be from 1 to 64/);
  });

  it('refuses the names that carried a unit, saying what to set instead', () => {
    expect(() => loadConfig({ CUTLINE_REQUEST_TIMEOUT_MS: '1000' })).toThrow(
      /set CUTLINE_REQUEST_TIMEOUT to a duration/,
    );
    expect(() => loadConfig({ CUTLINE_BILLING_GRACE_DAYS: '7' })).toThrow(/CUTLINE_BILLING_GRACE/);
  });
});
