/**
 * New video: upload, script (or a CSV batch), voice, caption style, formats and options, then
 * Generate. Options the plan lacks are shown disabled with the plan that unlocks them; the
 * API's refusals appear next to the field they name.
 */
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  FormControl,
  FormControlLabel,
  FormGroup,
  FormHelperText,
  FormLabel,
  InputLabel,
  MenuItem,
  Radio,
  RadioGroup,
  Select,
  Switch,
  Tab,
  Tabs,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Title } from 'react-admin';
import { useNavigate } from 'react-router-dom';
import { api, ApiError, errorMessage } from '../api/http';
import { unlockingPlan, useCaptionStyles, usePlans, useUsage, useVoices } from '../api/queries';
import type { AssetView } from '../api/upload';
import { FileDrop } from '../components/FileDrop';
import { PlanLock } from '../components/PlanLock';
import { StyleGallery } from '../components/StyleGallery';
import { VoicePicker } from '../components/VoicePicker';
import { formatSeconds } from '../lib/format';
import { estimateNarrationSeconds } from '@cutline/contract';
import { loadPreferences, savePreferences } from '../lib/preferences';
import { CsvBatch } from './CsvBatch';

const ASPECTS = [
  { id: '9:16', label: '9:16 vertical (Reels, Shorts, TikTok)' },
  { id: '1:1', label: '1:1 square (feeds)' },
  { id: '16:9', label: '16:9 landscape (YouTube, web)' },
];
const RESOLUTIONS = [480, 720, 1080, 1440, 2160];

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card sx={{ mb: 2 }}>
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom>
          {title}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

export function NewVideo() {
  const navigate = useNavigate();
  const usage = useUsage();
  const plans = usePlans();
  const voices = useVoices();
  const styles = useCaptionStyles();
  const preferences = useMemo(loadPreferences, []);
  const plan = usage.data?.plan;
  const limits = usage.data?.limits;

  const [mode, setMode] = useState<'script' | 'csv'>('script');
  const [video, setVideo] = useState<AssetView | null>(null);
  const [logo, setLogo] = useState<AssetView | null>(null);
  const [music, setMusic] = useState<AssetView | null>(null);
  const [title, setTitle] = useState('');
  const [script, setScript] = useState('');
  const [voice, setVoice] = useState(preferences.voice ?? '');
  const [captionStyle, setCaptionStyle] = useState(preferences.captionStyle ?? 'clean');
  const [captions, setCaptions] = useState(true);
  const [position, setPosition] = useState<'bottom' | 'middle' | 'top'>('bottom');
  const [formats, setFormats] = useState<string[]>(['9:16']);
  const [fit, setFit] = useState<'crop' | 'letterbox' | 'blur'>('crop');
  const [original, setOriginal] = useState<'duck' | 'drop'>('duck');
  const [logoPosition, setLogoPosition] = useState('top-right');
  const [resolution, setResolution] = useState<number | 'auto'>('auto');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per form: a double click or a retried request cannot make two renders.
  const [idempotencyKey] = useState(() => crypto.randomUUID());

  useEffect(() => {
    if (!voice && voices.data?.length)
      setVoice(voices.data.find((v) => v.id === 'espeak:en-us')?.id ?? voices.data[0]!.id);
  }, [voice, voices.data]);

  const seconds = estimateNarrationSeconds(script);
  const maxSeconds = limits?.maxNarrationSeconds ?? null;
  const tooLong = maxSeconds !== null && seconds > maxSeconds;
  const batchPlan = unlockingPlan(plans.data, plan, (p) => p.batch);
  const fieldError = (field: string) => (error instanceof ApiError ? error.fieldMessage(field) : undefined);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const { data } = await api<{ id: string }>('/v1/renders', {
        method: 'POST',
        headers: { 'idempotency-key': idempotencyKey },
        json: {
          assetId: video?.id,
          script,
          ...(title.trim() ? { title: title.trim() } : {}),
          voice,
          captionStyle,
          captions: { enabled: captions, position },
          formats,
          fit,
          ...(resolution !== 'auto' ? { maxResolution: resolution } : {}),
          ...(logo ? { logo: { assetId: logo.id, position: logoPosition } } : {}),
          audio: { original, ...(music ? { musicAssetId: music.id } : {}) },
        },
      });
      savePreferences({ voice, captionStyle });
      navigate(`/renders/${data.id}/show`);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box sx={{ p: { xs: 1, sm: 2 }, maxWidth: 1100 }}>
      <Title title="New video" />
      <Typography variant="h5" component="h1" gutterBottom>
        New video
      </Typography>
      <Tabs
        value={mode}
        onChange={(_e, v: 'script' | 'csv') => setMode(v)}
        aria-label="How to make videos"
        sx={{ mb: 2 }}
      >
        <Tab value="script" label="One video" />
        <Tab value="csv" label="CSV batch" disabled={Boolean(batchPlan)} />
      </Tabs>
      {batchPlan && (
        <PlanLock unlockedBy={batchPlan}>
          <Typography variant="body2">CSV batches (one row per video) are not part of your plan.</Typography>
        </PlanLock>
      )}

      {mode === 'csv' ? (
        <Section title="Batch from a CSV">
          <CsvBatch maxNarrationSeconds={maxSeconds} />
        </Section>
      ) : (
        <>
          <Section title="1. Video">
            <FileDrop
              kind="video"
              label="Choose a video"
              asset={video}
              onUploaded={setVideo}
              {...(limits ? { maxBytes: limits.maxUploadBytes } : {})}
            />
            {fieldError('assetId') && <FormHelperText error>{fieldError('assetId')}</FormHelperText>}
          </Section>

          <Section title="2. Script">
            <TextField
              label="Title (optional)"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              fullWidth
              margin="dense"
              inputProps={{ maxLength: 200 }}
            />
            <TextField
              label="Script"
              value={script}
              onChange={(e) => setScript(e.target.value)}
              multiline
              minRows={5}
              fullWidth
              margin="dense"
              inputProps={{ maxLength: 20000 }}
              error={tooLong || Boolean(fieldError('script'))}
              helperText={
                fieldError('script') ??
                (script.trim()
                  ? `About ${formatSeconds(seconds)} of narration${maxSeconds !== null ? ` (your plan allows ${formatSeconds(maxSeconds)})` : ''}${tooLong ? ': shorten the script or upgrade' : ''}`
                  : 'Type what the voice should say. Paragraphs become pauses.')
              }
            />
          </Section>

          <Section title="3. Voice">
            {voices.data && (
              <VoicePicker voices={voices.data} value={voice} onChange={setVoice} error={fieldError('voice')} />
            )}
          </Section>

          <Section title="4. Captions">
            <FormControlLabel
              control={<Switch checked={captions} onChange={(e) => setCaptions(e.target.checked)} />}
              label="Burn captions into the video"
            />
            {styles.data && (
              <StyleGallery
                styles={styles.data}
                value={captionStyle}
                onChange={setCaptionStyle}
                assetId={video?.id}
                aspect={formats[0] ?? '9:16'}
              />
            )}
            <FormControl sx={{ mt: 2 }}>
              <FormLabel id="position-label">Caption position</FormLabel>
              <RadioGroup
                row
                aria-labelledby="position-label"
                value={position}
                onChange={(e) => setPosition(e.target.value as typeof position)}
              >
                {(['bottom', 'middle', 'top'] as const).map((p) => (
                  <FormControlLabel key={p} value={p} control={<Radio />} label={p} />
                ))}
              </RadioGroup>
            </FormControl>
          </Section>

          <Section title="5. Formats and options">
            <FormControl component="fieldset" error={formats.length === 0 || Boolean(fieldError('formats'))}>
              <FormLabel component="legend">Formats</FormLabel>
              <FormGroup>
                {ASPECTS.map((a) => (
                  <FormControlLabel
                    key={a.id}
                    label={a.label}
                    control={
                      <Checkbox
                        checked={formats.includes(a.id)}
                        onChange={(e) =>
                          setFormats(e.target.checked ? [...formats, a.id] : formats.filter((f) => f !== a.id))
                        }
                      />
                    }
                  />
                ))}
              </FormGroup>
              {(formats.length === 0 || fieldError('formats')) && (
                <FormHelperText>{fieldError('formats') ?? 'Choose at least one format.'}</FormHelperText>
              )}
            </FormControl>
            <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: 'repeat(3, 1fr)' }, gap: 2, mt: 2 }}>
              <FormControl>
                <InputLabel id="fit-label">Fit</InputLabel>
                <Select
                  labelId="fit-label"
                  label="Fit"
                  value={fit}
                  onChange={(e) => setFit(e.target.value as typeof fit)}
                >
                  <MenuItem value="crop">Crop to fill</MenuItem>
                  <MenuItem value="letterbox">Letterbox</MenuItem>
                  <MenuItem value="blur">Blurred background</MenuItem>
                </Select>
              </FormControl>
              <FormControl>
                <InputLabel id="resolution-label">Resolution</InputLabel>
                <Select
                  labelId="resolution-label"
                  label="Resolution"
                  value={resolution}
                  onChange={(e) => setResolution(e.target.value as number | 'auto')}
                >
                  <MenuItem value="auto">Best my plan allows ({limits?.maxResolution ?? '…'}p)</MenuItem>
                  {RESOLUTIONS.map((r) => {
                    const unlock = unlockingPlan(plans.data, plan, (p) => p.maxResolution >= r);
                    return (
                      <MenuItem key={r} value={r} disabled={Boolean(unlock)}>
                        {r}p{unlock ? ` (${unlock} plan)` : ''}
                      </MenuItem>
                    );
                  })}
                </Select>
              </FormControl>
              <FormControl>
                <InputLabel id="original-audio-label">Original audio</InputLabel>
                <Select
                  labelId="original-audio-label"
                  label="Original audio"
                  value={original}
                  onChange={(e) => setOriginal(e.target.value as typeof original)}
                >
                  <MenuItem value="duck">Keep, quieter under the voice</MenuItem>
                  <MenuItem value="drop">Remove</MenuItem>
                </Select>
              </FormControl>
            </Box>
            <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2, mt: 2 }}>
              <Box>
                <Typography variant="subtitle2" component="h3">
                  Logo (optional)
                </Typography>
                <FileDrop kind="logo" label="Choose a logo" asset={logo} onUploaded={setLogo} />
                {logo && (
                  <FormControl size="small" sx={{ mt: 1, minWidth: 180 }}>
                    <InputLabel id="logo-position-label">Logo position</InputLabel>
                    <Select
                      labelId="logo-position-label"
                      label="Logo position"
                      value={logoPosition}
                      onChange={(e) => setLogoPosition(e.target.value)}
                    >
                      {['top-left', 'top-right', 'bottom-left', 'bottom-right', 'center'].map((p) => (
                        <MenuItem key={p} value={p}>
                          {p}
                        </MenuItem>
                      ))}
                    </Select>
                  </FormControl>
                )}
              </Box>
              <Box>
                <Typography variant="subtitle2" component="h3">
                  Background music (optional)
                </Typography>
                <FileDrop kind="music" label="Choose music" asset={music} onUploaded={setMusic} />
              </Box>
            </Box>
            {limits?.watermark && (
              <Alert severity="info" sx={{ mt: 2 }}>
                Your plan adds a small Cutline watermark.{' '}
                {unlockingPlan(plans.data, plan, (p) => !p.watermark)
                  ? `The ${unlockingPlan(plans.data, plan, (p) => !p.watermark)} plan removes it.`
                  : ''}
              </Alert>
            )}
          </Section>

          {error && (
            <Alert severity="error" role="alert" sx={{ mb: 2 }}>
              {errorMessage(error)}
            </Alert>
          )}
          <Button
            variant="contained"
            size="large"
            onClick={() => void submit()}
            disabled={busy || !video || !script.trim() || tooLong || formats.length === 0 || !voice}
          >
            {busy ? 'Submitting…' : 'Generate'}
          </Button>
          {!video && (
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
              Upload a video to generate.
            </Typography>
          )}
        </>
      )}
    </Box>
  );
}
