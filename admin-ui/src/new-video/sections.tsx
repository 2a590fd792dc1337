/** The sections of the new-video form; each edits its fields of useNewVideo's state. */
import {
  Alert,
  Box,
  Card,
  CardContent,
  Checkbox,
  Chip,
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
  TextField,
  Typography,
} from '@mui/material';
import type { ReactNode } from 'react';
import { unlockingPlan, useVoiceMatch, type CaptionStyle, type PlanInfo, type Usage, type Voice } from '../api/queries';
import { FileDrop } from '../components/FileDrop';
import { StyleGallery } from '../components/StyleGallery';
import { languageName, VoicePicker } from '../components/VoicePicker';
import { formatSeconds } from '../lib/format';
import { TrimPicker } from './TrimPicker';
import type { CaptionPosition, Fit, NewVideoForm } from './useNewVideo';

const ASPECTS = [
  { id: '9:16', label: '9:16 vertical (Reels, Shorts, TikTok)' },
  { id: '1:1', label: '1:1 square (feeds)' },
  { id: '16:9', label: '16:9 landscape (YouTube, web)' },
];
const RESOLUTIONS = [480, 720, 1080, 1440, 2160];
const LOGO_POSITIONS = ['top-left', 'top-right', 'bottom-left', 'bottom-right', 'center'];

export function Section({ title, children }: { title: string; children: ReactNode }) {
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

export function VideoSection({ form, limits }: { form: NewVideoForm; limits: Usage['limits'] | undefined }) {
  const problem = form.fieldError('assetId');
  return (
    <Section title="1. Video">
      <FileDrop
        kind="video"
        label="Choose a video"
        asset={form.fields.video}
        onUploaded={(asset) => {
          form.set('video', asset);
          form.set('trim', null);
        }}
        {...(limits ? { maxBytes: limits.maxUploadBytes } : {})}
      />
      {problem && <FormHelperText error>{problem}</FormHelperText>}
      <TrimPicker form={form} />
    </Section>
  );
}

export function ScriptSection({ form, maxSeconds }: { form: NewVideoForm; maxSeconds: number | null }) {
  const { script, title } = form.fields;
  const problem = form.fieldError('script');
  const estimate = `About ${formatSeconds(form.seconds)} of narration${maxSeconds !== null ? ` (your plan allows ${formatSeconds(maxSeconds)})` : ''}${form.tooLong ? ': shorten the script or upgrade' : ''}`;
  return (
    <Section title="2. Script">
      <TextField
        label="Title (optional)"
        value={title}
        onChange={(e) => form.set('title', e.target.value)}
        fullWidth
        margin="dense"
        inputProps={{ maxLength: 200 }}
      />
      <TextField
        label="Script"
        value={script}
        onChange={(e) => form.set('script', e.target.value)}
        multiline
        minRows={5}
        fullWidth
        margin="dense"
        inputProps={{ maxLength: 20000 }}
        error={form.tooLong || Boolean(problem)}
        helperText={problem ?? (script.trim() ? estimate : 'Type what the voice should say. Paragraphs become pauses.')}
      />
    </Section>
  );
}

export function VoiceSection({ form, voices }: { form: NewVideoForm; voices: Voice[] | undefined }) {
  const match = useVoiceMatch(form.fields.script);
  return (
    <Section title="3. Voice">
      {match.data && (
        <Box sx={{ mb: 2 }} aria-live="polite">
          <Typography variant="body2">
            The script reads as <strong>{languageName(match.data.detected.language)}</strong>
            {match.data.detected.mixed ? ' (mostly: it mixes writing systems)' : ''}. Automatic will use{' '}
            {match.data.voice.label}.
          </Typography>
          {match.data.suggestions.length > 0 && (
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}>
              {match.data.suggestions.map((v) => (
                <Chip
                  key={v.id}
                  label={v.label}
                  color={form.fields.voice === v.id ? 'primary' : 'default'}
                  onClick={() => form.set('voice', v.id)}
                />
              ))}
            </Box>
          )}
        </Box>
      )}
      {voices && (
        <VoicePicker
          voices={voices}
          value={form.fields.voice}
          onChange={(voice) => form.set('voice', voice)}
          error={form.fieldError('voice')}
        />
      )}
    </Section>
  );
}

export function CaptionsSection({ form, styles }: { form: NewVideoForm; styles: CaptionStyle[] | undefined }) {
  const { captions, captionStyle, position, video, formats, fit } = form.fields;
  return (
    <Section title="4. Captions">
      <FormControlLabel
        control={<Switch checked={captions} onChange={(e) => form.set('captions', e.target.checked)} />}
        label="Burn captions into the video"
      />
      {styles && (
        <StyleGallery
          styles={styles}
          value={captionStyle}
          onChange={(style) => form.set('captionStyle', style)}
          assetId={video?.id}
          aspect={formats[0] ?? '9:16'}
          fit={fit}
        />
      )}
      <FormControl sx={{ mt: 2 }}>
        <FormLabel id="position-label">Caption position</FormLabel>
        <RadioGroup
          row
          aria-labelledby="position-label"
          value={position}
          onChange={(e) => form.set('position', e.target.value as CaptionPosition)}
        >
          {(['bottom', 'middle', 'top'] as const).map((p) => (
            <FormControlLabel key={p} value={p} control={<Radio />} label={p} />
          ))}
        </RadioGroup>
      </FormControl>
    </Section>
  );
}

interface PlanContext {
  plans: PlanInfo[] | undefined;
  plan: string | undefined;
  limits: Usage['limits'] | undefined;
}

export function FormatsSection({ form, plans, plan, limits }: { form: NewVideoForm } & PlanContext) {
  const { formats, fit, resolution, original } = form.fields;
  const problem = form.fieldError('formats');
  const toggle = (id: string, on: boolean) =>
    form.set('formats', on ? [...formats, id] : formats.filter((f) => f !== id));
  return (
    <Section title="5. Formats and options">
      <FormControl component="fieldset" error={formats.length === 0 || Boolean(problem)}>
        <FormLabel component="legend">Formats</FormLabel>
        <FormGroup>
          {ASPECTS.map((a) => (
            <FormControlLabel
              key={a.id}
              label={a.label}
              control={<Checkbox checked={formats.includes(a.id)} onChange={(e) => toggle(a.id, e.target.checked)} />}
            />
          ))}
        </FormGroup>
        {(formats.length === 0 || problem) && (
          <FormHelperText>{problem ?? 'Choose at least one format.'}</FormHelperText>
        )}
      </FormControl>
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: 'repeat(3, 1fr)' }, gap: 2, mt: 2 }}>
        <FormControl>
          <InputLabel id="fit-label">Fit</InputLabel>
          <Select labelId="fit-label" label="Fit" value={fit} onChange={(e) => form.set('fit', e.target.value as Fit)}>
            <MenuItem value="smart">Follow the subject</MenuItem>
            <MenuItem value="crop">Crop the centre</MenuItem>
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
            onChange={(e) => form.set('resolution', e.target.value as number | 'auto')}
          >
            <MenuItem value="auto">Best my plan allows ({limits?.maxResolution ?? '…'}p)</MenuItem>
            {RESOLUTIONS.map((r) => {
              const unlock = unlockingPlan(plans, plan, (p) => p.maxResolution >= r);
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
            onChange={(e) => form.set('original', e.target.value as 'duck' | 'drop')}
          >
            <MenuItem value="duck">Keep, quieter under the voice</MenuItem>
            <MenuItem value="drop">Remove</MenuItem>
          </Select>
        </FormControl>
      </Box>
    </Section>
  );
}

export function BrandingSection({ form, plans, plan, limits }: { form: NewVideoForm } & PlanContext) {
  const { logo, music, logoPosition } = form.fields;
  const removesWatermark = unlockingPlan(plans, plan, (p) => !p.watermark);
  return (
    <Section title="6. Logo and music">
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2 }}>
        <Box>
          <Typography variant="subtitle2" component="h3">
            Logo (optional)
          </Typography>
          <FileDrop kind="logo" label="Choose a logo" asset={logo} onUploaded={(asset) => form.set('logo', asset)} />
          {logo && (
            <FormControl size="small" sx={{ mt: 1, minWidth: 180 }}>
              <InputLabel id="logo-position-label">Logo position</InputLabel>
              <Select
                labelId="logo-position-label"
                label="Logo position"
                value={logoPosition}
                onChange={(e) => form.set('logoPosition', e.target.value)}
              >
                {LOGO_POSITIONS.map((p) => (
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
          <FileDrop kind="music" label="Choose music" asset={music} onUploaded={(asset) => form.set('music', asset)} />
        </Box>
      </Box>
      {limits?.watermark && (
        <Alert severity="info" sx={{ mt: 2 }}>
          Your plan adds a small Cutline watermark. {removesWatermark ? `The ${removesWatermark} plan removes it.` : ''}
        </Alert>
      )}
    </Section>
  );
}
