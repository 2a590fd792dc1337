/**
 * Every output size, each shown as a frame of its shape holding the first chosen picture as
 * that size would frame it (cover crops, contain fits with the background, inside keeps the
 * picture's own shape), before anything is made.
 */
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import RadioButtonUncheckedIcon from '@mui/icons-material/RadioButtonUnchecked';
import { Box, Card, CardActionArea, CardContent, Typography } from '@mui/material';
import type { ImagePresetView } from '../api/queries';

export type Fit = 'cover' | 'contain' | 'inside';

const FRAME = 120;

export function PresetGallery({
  presets,
  selected,
  onToggle,
  previewUrl,
  fit,
  background,
}: {
  presets: ImagePresetView[];
  selected: string[];
  onToggle: (id: string) => void;
  previewUrl: string | undefined;
  fit: Fit;
  background: string;
}) {
  return (
    <Box
      role="group"
      aria-label="Output sizes"
      sx={{ display: 'grid', gap: 1.5, gridTemplateColumns: 'repeat(auto-fill, minmax(170px, 1fr))' }}
    >
      {presets.map((p) => {
        const on = selected.includes(p.id);
        const scale = FRAME / Math.max(p.width, p.height);
        return (
          <Card
            key={p.id}
            variant="outlined"
            sx={{ borderColor: on ? 'primary.main' : undefined, borderWidth: on ? 2 : 1 }}
          >
            <CardActionArea onClick={() => onToggle(p.id)} aria-pressed={on} data-testid={`preset-${p.id}`}>
              <Box sx={{ height: FRAME + 16, display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
                <Box
                  sx={{
                    width: Math.round(p.width * scale),
                    height: Math.round(p.height * scale),
                    bgcolor: fit === 'contain' ? background : 'grey.200',
                    overflow: 'hidden',
                    display: 'flex',
                    alignItems: 'center',
                    justifyContent: 'center',
                  }}
                >
                  {previewUrl && (
                    <Box
                      component="img"
                      src={previewUrl}
                      alt=""
                      sx={{ width: '100%', height: '100%', objectFit: fit === 'cover' ? 'cover' : 'contain' }}
                    />
                  )}
                </Box>
              </Box>
              <CardContent sx={{ pt: 0, display: 'flex', alignItems: 'flex-start', gap: 0.5 }}>
                {on ? (
                  <CheckCircleIcon fontSize="small" color="primary" aria-hidden />
                ) : (
                  <RadioButtonUncheckedIcon fontSize="small" color="action" aria-hidden />
                )}
                <Box>
                  <Typography variant="body2">{p.label}</Typography>
                  <Typography variant="caption" color="text.secondary">
                    {p.width}×{p.height} · {p.format.toUpperCase()}
                    {p.custom ? ' · yours' : ''}
                  </Typography>
                </Box>
              </CardContent>
            </CardActionArea>
          </Card>
        );
      })}
    </Box>
  );
}
