/** Typed reads of the API used by several pages (react-query caches them). */
import type { VoiceMatch, VoiceView } from '@cutline/contract';
import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from './http';

export interface Usage {
  plan: string;
  period: { start: string; end: string };
  renders: { limit: number | null; used: number; remaining: number | null; overage: boolean };
  images: { limit: number | null; used: number; remaining: number | null };
  renderedSeconds: number;
  concurrency: { limit: number; running: number };
  storage: { bytes: number; files: number; nextExpiry: string | null; retentionDays: number };
  limits: {
    maxNarrationSeconds: number | null;
    maxResolution: number;
    batch: boolean;
    watermark: boolean;
    maxUploadBytes: number;
    maxSourceSeconds: number;
    maxImagePixels: number;
    apiAccess: boolean;
    apiRequestsPerMinute: number;
  };
}

export interface PlanInfo {
  id: string;
  priceMonthlyUsd: number | null;
  rendersPerMonth: number | null;
  maxNarrationSeconds: number | null;
  maxResolution: number;
  retentionDays: number;
  batch: boolean;
  watermark: boolean;
  apiAccess: boolean;
}

export type Voice = VoiceView;

export interface CaptionStyle {
  id: string;
  label: string;
  description: string;
}

const get = async <T>(path: string) => (await api<T>(path)).data;

export const useUsage = () => useQuery({ queryKey: ['usage'], queryFn: () => get<Usage>('/v1/usage') });
export const usePlans = () =>
  useQuery({ queryKey: ['plans'], queryFn: () => get<PlanInfo[]>('/v1/plans'), staleTime: 600_000 });
export const useVoices = () =>
  useQuery({ queryKey: ['voices'], queryFn: () => get<Voice[]>('/v1/voices'), staleTime: 600_000 });
/** What the API makes of the script's language (POST /v1/voices/match), once typing pauses. */
export function useVoiceMatch(script: string) {
  const [settled, setSettled] = useState(script);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(script.trim()), 600);
    return () => clearTimeout(timer);
  }, [script]);
  return useQuery({
    queryKey: ['voice-match', settled],
    queryFn: async () =>
      (await api<VoiceMatch>('/v1/voices/match', { method: 'POST', json: { script: settled } })).data,
    enabled: settled.length > 0,
    staleTime: 600_000,
  });
}

export interface OrganizationSettings {
  defaultVoice: string | null;
  defaultCaptionStyle: string | null;
  defaultFormats: string[] | null;
}

export interface OrganizationProfile {
  id: string;
  name: string;
  slug: string;
  plan: string;
  settings: OrganizationSettings;
}

export const useOrganization = () =>
  useQuery({ queryKey: ['organization'], queryFn: () => get<OrganizationProfile>('/v1/organization') });

export interface ProjectSummary {
  id: string;
  name: string;
  archived: boolean;
}

/** Open projects, for pickers (the most recently active first). */
export const useOpenProjects = () =>
  useQuery({
    queryKey: ['projects', 'open'],
    queryFn: () =>
      get<ProjectSummary[]>(
        `/v1/projects?range=${encodeURIComponent('[0,199]')}&sort=${encodeURIComponent('["updatedAt","DESC"]')}&filter=${encodeURIComponent('{"archived":false}')}`,
      ),
  });

export const useCaptionStyles = () =>
  useQuery({
    queryKey: ['caption-styles'],
    queryFn: () => get<CaptionStyle[]>('/v1/caption-styles'),
    staleTime: 600_000,
  });

/** The cheapest plan that passes `test`, or null when the current plan already does. */
export function unlockingPlan(
  plans: PlanInfo[] | undefined,
  current: string | undefined,
  test: (plan: PlanInfo) => boolean,
): string | null {
  if (!plans || !current) return null;
  const mine = plans.find((p) => p.id === current);
  if (mine && test(mine)) return null;
  const order = plans.map((p) => p.id);
  return plans.find((p) => order.indexOf(p.id) > order.indexOf(current) && test(p))?.id ?? null;
}

/** An output size image jobs offer: a platform preset (by name) or the organization's own (by id). */
export interface ImagePresetView {
  id: string;
  label: string;
  width: number;
  height: number;
  format: string;
  custom: boolean;
}

export const useImagePresets = () =>
  useQuery({ queryKey: ['image-presets'], queryFn: () => get<ImagePresetView[]>('/v1/images/presets') });

/** A short-lived link to show an upload in the page (never a download). */
export const useAssetLink = (assetId: string | undefined) =>
  useQuery({
    queryKey: ['asset-link', assetId],
    queryFn: () => get<{ url: string }>(`/v1/assets/${assetId}/link`),
    enabled: Boolean(assetId),
    staleTime: 10 * 60_000,
  });
