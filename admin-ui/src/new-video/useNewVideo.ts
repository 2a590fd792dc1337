/** The state of the new-video form and its submission (POST /v1/renders, with one Idempotency-Key per form). */
import { AUTO_VOICE, estimateNarrationSeconds, type Fit } from '@cutline/contract';
import { useEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../api/http';
import type { AssetView } from '../api/upload';
import { fetchPreferences, rememberChoices } from '../lib/preferences';

export type { Fit };
export type CaptionPosition = 'bottom' | 'middle' | 'top';

export interface NewVideoFields {
  video: AssetView | null;
  logo: AssetView | null;
  music: AssetView | null;
  title: string;
  script: string;
  voice: string;
  captionStyle: string;
  captions: boolean;
  position: CaptionPosition;
  formats: string[];
  fit: Fit;
  original: 'duck' | 'drop';
  logoPosition: string;
  resolution: number | 'auto';
  /** The open project the video goes into ('' = none). */
  projectId: string;
  deleteAfterDownload: boolean;
  /** In and out points of the source, seconds; null = all of it. */
  trim: { start: number; end: number } | null;
}

export function useNewVideo(maxNarrationSeconds: number | null) {
  const navigate = useNavigate();
  const [fields, setFields] = useState<NewVideoFields>({
    video: null,
    logo: null,
    music: null,
    title: '',
    script: '',
    voice: AUTO_VOICE,
    captionStyle: 'clean',
    captions: true,
    position: 'bottom',
    formats: ['9:16'],
    fit: 'smart',
    original: 'duck',
    logoPosition: 'top-right',
    resolution: 'auto',
    projectId: '',
    deleteAfterDownload: false,
    trim: null,
  });
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per form: a double click or a retried request cannot make two renders.
  const [idempotencyKey] = useState(() => crypto.randomUUID());

  // The person's defaults, then the organization's, unless the person already chose.
  const touched = useRef(new Set<keyof NewVideoFields>());
  useEffect(() => {
    let live = true;
    const organization = api<{ settings: OrganizationDefaults }>('/v1/organization')
      .then((r) => r.data.settings)
      .catch(() => undefined);
    void Promise.all([fetchPreferences().catch(() => undefined), organization]).then(([p, o]) => {
      if (!live) return;
      const voice = p?.defaultVoice ?? o?.defaultVoice;
      const style = p?.defaultCaptionStyle ?? o?.defaultCaptionStyle;
      setFields((previous) => ({
        ...previous,
        ...(voice && !touched.current.has('voice') ? { voice } : {}),
        ...(style && !touched.current.has('captionStyle') ? { captionStyle: style } : {}),
        ...(o?.defaultFormats && !touched.current.has('formats') ? { formats: o.defaultFormats } : {}),
      }));
    });
    return () => {
      live = false;
    };
  }, []);

  // Arriving from the library (?asset=) or a project (?project=): start from them.
  const [search] = useSearchParams();
  useEffect(() => {
    const project = search.get('project');
    if (project) setFields((previous) => ({ ...previous, projectId: project }));
    const asset = search.get('asset');
    if (asset)
      void api<AssetView>(`/v1/assets/${encodeURIComponent(asset)}`)
        .then(({ data }) => {
          if (data.kind === 'video' && data.status === 'ready') setFields((previous) => ({ ...previous, video: data }));
        })
        .catch(() => undefined);
  }, [search]);

  const set = <K extends keyof NewVideoFields>(key: K, value: NewVideoFields[K]) => {
    touched.current.add(key);
    setFields((previous) => ({ ...previous, [key]: value }));
  };
  const seconds = estimateNarrationSeconds(fields.script);
  const tooLong = maxNarrationSeconds !== null && seconds > maxNarrationSeconds;
  const ready = Boolean(fields.video && fields.script.trim() && !tooLong && fields.formats.length > 0 && fields.voice);
  const fieldError = (field: string) => (error instanceof ApiError ? error.fieldMessage(field) : undefined);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const { data } = await api<{ id: string }>('/v1/renders', {
        method: 'POST',
        headers: { 'idempotency-key': idempotencyKey },
        json: requestOf(fields),
      });
      void rememberChoices({ voice: fields.voice, captionStyle: fields.captionStyle }).catch(() => undefined);
      navigate(`/renders/${data.id}/show`);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  return { fields, set, seconds, tooLong, ready, error, fieldError, busy, submit };
}

export type NewVideoForm = ReturnType<typeof useNewVideo>;

interface OrganizationDefaults {
  defaultVoice: string | null;
  defaultCaptionStyle: string | null;
  defaultFormats: string[] | null;
}

function requestOf(f: NewVideoFields) {
  return {
    assetId: f.video?.id,
    script: f.script,
    ...(f.title.trim() ? { title: f.title.trim() } : {}),
    voice: f.voice,
    captionStyle: f.captionStyle,
    captions: { enabled: f.captions, position: f.position },
    formats: f.formats,
    fit: f.fit,
    ...(f.resolution !== 'auto' ? { maxResolution: f.resolution } : {}),
    ...(f.logo ? { logo: { assetId: f.logo.id, position: f.logoPosition } } : {}),
    audio: { original: f.original, ...(f.music ? { musicAssetId: f.music.id } : {}) },
    ...(f.projectId ? { projectId: f.projectId } : {}),
    ...(f.deleteAfterDownload ? { deleteAfterDownload: true } : {}),
    ...(f.trim ? { trim: { start: round1(f.trim.start), end: round1(f.trim.end) } } : {}),
  };
}

function round1(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}
