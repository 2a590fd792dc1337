/**
 * Images: upload pictures (or pick them from the library), choose the sizes with a preview of
 * each, set the options, and make them all as one batch of image jobs; the batch page follows
 * their progress and downloads them.
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
  InputLabel,
  MenuItem,
  Select,
  Slider,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import { IMAGE_BATCH_LIMITS } from '@cutline/contract';
import { useState } from 'react';
import { Title, useGetList } from 'react-admin';
import { useNavigate } from 'react-router-dom';
import { api, ApiError, errorMessage } from '../api/http';
import { unlockingPlan, useAssetLink, useCaptionStyles, useImagePresets, usePlans, useUsage } from '../api/queries';
import type { AssetView } from '../api/upload';
import { PlanLock } from '../components/PlanLock';
import { PictureUploads } from './PictureUploads';
import { PresetGallery, type Fit } from './PresetGallery';

const { pictures: MAX_PICTURES, picturesWithoutBatch: WITHOUT_BATCH } = IMAGE_BATCH_LIMITS;

export function ImagesPage() {
  const navigate = useNavigate();
  const usage = useUsage();
  const plans = usePlans();
  const presets = useImagePresets();
  const library = useGetList<AssetView>('assets', {
    filter: { kind: 'image', status: 'ready' },
    pagination: { page: 1, perPage: 60 },
    sort: { field: 'createdAt', order: 'DESC' },
  });
  const [pictures, setPictures] = useState<string[]>([]);
  const [sizes, setSizes] = useState<string[]>(['instagram-post']);
  const [format, setFormat] = useState<string>('own');
  const [fit, setFit] = useState<Fit>('cover');
  const [crop, setCrop] = useState<'smart' | 'centre'>('smart');
  const [quality, setQuality] = useState(82);
  const [keepMetadata, setKeepMetadata] = useState(false);
  const [background, setBackground] = useState('#ffffff');
  const [text, setText] = useState('');
  const [textStyle, setTextStyle] = useState('bold-outline');
  const [logoId, setLogoId] = useState('');
  const styles = useCaptionStyles();
  const logos = useGetList<AssetView>('assets', {
    filter: { kind: 'logo', status: 'ready' },
    pagination: { page: 1, perPage: 50 },
    sort: { field: 'createdAt', order: 'DESC' },
  });
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const preview = useAssetLink(pictures[0]);

  const toggle = (list: string[], id: string) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
  const images = pictures.length * sizes.length;
  const remaining = usage.data?.images.remaining ?? null;
  const batchLockedBy = unlockingPlan(plans.data, usage.data?.plan, (p) => p.batch);
  const tooMany = pictures.length > (usage.data?.limits.batch ? MAX_PICTURES : WITHOUT_BATCH);
  const reason =
    pictures.length === 0
      ? 'Choose at least one picture.'
      : sizes.length === 0
        ? 'Choose at least one size.'
        : tooMany
          ? `Your plan takes ${usage.data?.limits.batch ? MAX_PICTURES : WITHOUT_BATCH} pictures at a time.`
          : remaining !== null && images > remaining
            ? `This makes ${images} images; ${remaining} are left this month.`
            : null;

  const submit = async () => {
    setSubmitting(true);
    setError(null);
    try {
      const { data } = await api<{ batchId: string }>('/v1/images/batches', {
        method: 'POST',
        json: {
          assetIds: pictures,
          presets: sizes,
          fit,
          crop,
          quality,
          ...(format !== 'own' ? { format } : {}),
          ...(keepMetadata ? { keepMetadata: true } : {}),
          ...(text.trim() ? { text: { content: text.trim(), style: textStyle } } : {}),
          ...(logoId ? { logo: { assetId: logoId } } : {}),
          ...(fit === 'contain' ? { edits: { background } } : {}),
        },
      });
      navigate(`/batches/${data.batchId}`);
    } catch (err) {
      const fields = err instanceof ApiError ? err.details?.map((d) => `${d.field} ${d.message}`).join('; ') : '';
      setError(`${errorMessage(err)}${fields ? ` (${fields})` : ''}`);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Box sx={{ p: { xs: 1, sm: 2 }, display: 'grid', gap: 2 }}>
      <Title title="Images" />
      <Typography variant="h5" component="h1">
        Images
      </Typography>
      <Card>
        <CardContent>
          <Typography variant="h6" component="h2" gutterBottom>
            1. Pictures
          </Typography>
          <PictureUploads
            {...(usage.data ? { maxBytes: usage.data.limits.maxUploadBytes } : {})}
            onUploaded={(asset) => {
              setPictures((p) => (p.includes(asset.id) ? p : [...p, asset.id]));
              void library.refetch();
            }}
          />
          <Typography variant="subtitle2" component="h3" sx={{ mt: 2 }}>
            From the library ({pictures.length} chosen)
          </Typography>
          <Box sx={{ display: 'flex', flexWrap: 'wrap', columnGap: 2 }} role="group" aria-label="Library pictures">
            {(library.data ?? []).map((a) => (
              <FormControlLabel
                key={a.id}
                control={
                  <Checkbox checked={pictures.includes(a.id)} onChange={() => setPictures((p) => toggle(p, a.id))} />
                }
                label={`${a.filename}${a.width ? ` (${a.width}×${a.height})` : ''}`}
              />
            ))}
            {library.data?.length === 0 && (
              <Typography variant="body2" color="text.secondary">
                No pictures yet: upload some above.
              </Typography>
            )}
          </Box>
        </CardContent>
      </Card>
      <Card>
        <CardContent>
          <Typography variant="h6" component="h2" gutterBottom>
            2. Sizes
          </Typography>
          {presets.error && <Alert severity="error">{errorMessage(presets.error)}</Alert>}
          <PresetGallery
            presets={presets.data ?? []}
            selected={sizes}
            onToggle={(id) => setSizes((s) => toggle(s, id))}
            previewUrl={preview.data?.url}
            fit={fit}
            background={background}
          />
        </CardContent>
      </Card>
      <Card>
        <CardContent sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, alignItems: 'center' }}>
          <Typography variant="h6" component="h2" sx={{ width: '100%' }}>
            3. Options
          </Typography>
          <FormControl size="small" sx={{ minWidth: 160 }}>
            <InputLabel id="image-format">Format</InputLabel>
            <Select labelId="image-format" label="Format" value={format} onChange={(e) => setFormat(e.target.value)}>
              <MenuItem value="own">Each size’s own</MenuItem>
              <MenuItem value="jpeg">JPEG</MenuItem>
              <MenuItem value="png">PNG</MenuItem>
              <MenuItem value="webp">WebP</MenuItem>
              <MenuItem value="avif">AVIF</MenuItem>
            </Select>
          </FormControl>
          <FormControl size="small" sx={{ minWidth: 180 }}>
            <InputLabel id="image-fit">Fit</InputLabel>
            <Select labelId="image-fit" label="Fit" value={fit} onChange={(e) => setFit(e.target.value as Fit)}>
              <MenuItem value="cover">Fill the size (crop)</MenuItem>
              <MenuItem value="contain">Fit inside, with a background</MenuItem>
              <MenuItem value="inside">Fit inside, never larger</MenuItem>
            </Select>
          </FormControl>
          {fit === 'cover' && (
            <FormControl size="small" sx={{ minWidth: 180 }}>
              <InputLabel id="image-crop">Crop</InputLabel>
              <Select
                labelId="image-crop"
                label="Crop"
                value={crop}
                onChange={(e) => setCrop(e.target.value as 'smart' | 'centre')}
              >
                <MenuItem value="smart">Keep what draws the eye</MenuItem>
                <MenuItem value="centre">Keep the centre</MenuItem>
              </Select>
            </FormControl>
          )}
          {fit === 'contain' && (
            <label>
              Background <input type="color" value={background} onChange={(e) => setBackground(e.target.value)} />
            </label>
          )}
          <Box sx={{ width: 200 }}>
            <Typography id="image-quality" variant="body2">
              Quality {quality}
            </Typography>
            <Slider
              aria-labelledby="image-quality"
              min={40}
              max={100}
              value={quality}
              onChange={(_e, v) => setQuality(v as number)}
            />
          </Box>
          <TextField
            size="small"
            label="Text on every picture"
            value={text}
            onChange={(e) => setText(e.target.value)}
            inputProps={{ maxLength: 200 }}
            sx={{ minWidth: 260 }}
          />
          <FormControl size="small" sx={{ minWidth: 160 }}>
            <InputLabel id="image-text-style">Text style</InputLabel>
            <Select
              labelId="image-text-style"
              label="Text style"
              value={textStyle}
              onChange={(e) => setTextStyle(e.target.value)}
            >
              {(styles.data ?? [{ id: 'bold-outline', label: 'Bold outline', description: '' }]).map((st) => (
                <MenuItem key={st.id} value={st.id}>
                  {st.label}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <FormControl size="small" sx={{ minWidth: 160 }}>
            <InputLabel id="image-logo">Logo</InputLabel>
            <Select labelId="image-logo" label="Logo" value={logoId} onChange={(e) => setLogoId(e.target.value)}>
              <MenuItem value="">None</MenuItem>
              {(logos.data ?? []).map((l) => (
                <MenuItem key={l.id} value={l.id}>
                  {l.filename}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <FormControlLabel
            control={<Switch checked={keepMetadata} onChange={(e) => setKeepMetadata(e.target.checked)} />}
            label="Keep camera metadata (GPS included)"
          />
        </CardContent>
      </Card>
      <Card>
        <CardContent>
          <Typography role="status">
            {pictures.length} picture{pictures.length === 1 ? '' : 's'} × {sizes.length} size
            {sizes.length === 1 ? '' : 's'} = {images} image{images === 1 ? '' : 's'}
            {remaining !== null ? ` · ${remaining} left this month` : ''}
          </Typography>
          {reason && (
            <PlanLock unlockedBy={tooMany ? batchLockedBy : null}>
              <Typography variant="body2" color="text.secondary" id="images-disabled-reason">
                {reason}
              </Typography>
            </PlanLock>
          )}
          <Button
            variant="contained"
            sx={{ mt: 1 }}
            disabled={Boolean(reason) || submitting}
            aria-describedby={reason ? 'images-disabled-reason' : undefined}
            onClick={() => void submit()}
          >
            {submitting ? 'Submitting…' : `Make ${images} image${images === 1 ? '' : 's'}`}
          </Button>
          {error && (
            <Alert severity="error" role="alert" sx={{ mt: 1 }}>
              {error}
            </Alert>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}
