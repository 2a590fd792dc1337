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
  it('is on unless set to off; anything else is refused', () => {
    expect(loadConfig({}).auth.apiKeyCache).toBe(true);
    expect(loadConfig({ CUTLINE_API_KEY_CACHE: 'on' }).auth.apiKeyCache).toBe(true);
    expect(loadConfig({ CUTLINE_API_KEY_CACHE: 'off' }).auth.apiKeyCache).toBe(false);
    expect(() => loadConfig({ CUTLINE_API_KEY_CACHE: 'false' })).toThrow(/CUTLINE_API_KEY_CACHE/);
  });
});
