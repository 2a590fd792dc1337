/**
 * Caption styles as a radio group of cards. With a video uploaded, each card shows a frame of
 * it fitted as the render will fit it (the smart crop on its subject, by default) with the
 * style burned in by the renderer's own libass (GET /v1/assets/:id/caption-preview).
 */
import RadioButtonCheckedIcon from '@mui/icons-material/RadioButtonChecked';
import RadioButtonUncheckedIcon from '@mui/icons-material/RadioButtonUnchecked';
import { Box, Card, CardActionArea, CardContent, CardMedia, Typography } from '@mui/material';
import { useEffect, useState, type KeyboardEvent } from 'react';
import { api } from '../api/http';
import type { CaptionStyle } from '../api/queries';

function usePreview(assetId: string | undefined, style: string, aspect: string, fit: string): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!assetId) return setUrl(undefined);
    let revoked = false;
    let objectUrl: string | undefined;
    void api<Blob>(`/v1/assets/${assetId}/caption-preview?${new URLSearchParams({ style, aspect, fit }).toString()}`)
      .then(({ data }) => {
        if (revoked) return;
        objectUrl = URL.createObjectURL(data);
        setUrl(objectUrl);
      })
      .catch(() => setUrl(undefined));
    return () => {
      revoked = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [assetId, style, aspect, fit]);
  return url;
}

function StyleCard({
  style,
  selected,
  focusable,
  onSelect,
  assetId,
  aspect,
  fit,
}: {
  style: CaptionStyle;
  selected: boolean;
  focusable: boolean;
  onSelect: () => void;
  assetId: string | undefined;
  aspect: string;
  fit: string;
}) {
  const preview = usePreview(assetId, style.id, aspect, fit);
  return (
    <Card
      variant="outlined"
      sx={{ width: 170, borderColor: selected ? 'primary.main' : undefined, borderWidth: selected ? 2 : 1 }}
    >
      <CardActionArea
        onClick={onSelect}
        role="radio"
        aria-checked={selected}
        aria-label={`${style.label}: ${style.description}`}
        tabIndex={focusable ? 0 : -1}
        data-style={style.id}
      >
        {preview ? (
          <CardMedia
            component="img"
            image={preview}
            alt={`A frame of your video with ${style.label} captions`}
            sx={{ height: 200, objectFit: 'contain', bgcolor: 'grey.900' }}
          />
        ) : (
          <Box
            sx={{
              height: 200,
              bgcolor: 'grey.800',
              color: 'common.white',
              display: 'flex',
              alignItems: 'flex-end',
              justifyContent: 'center',
              pb: 3,
            }}
            aria-hidden
          >
            <Typography sx={{ fontWeight: 700, textShadow: '0 0 3px #000' }}>Sample caption</Typography>
          </Box>
        )}
        <CardContent sx={{ p: 1 }}>
          <Box sx={{ display: 'flex', alignItems: 'center' }}>
            {/* A picture of a radio, not a second control: the card itself is the radio. */}
            {selected ? (
              <RadioButtonCheckedIcon color="primary" fontSize="small" aria-hidden sx={{ m: 0.5 }} />
            ) : (
              <RadioButtonUncheckedIcon fontSize="small" aria-hidden sx={{ m: 0.5 }} />
            )}
            <Typography variant="subtitle2">{style.label}</Typography>
          </Box>
          <Typography variant="caption" color="text.secondary">
            {style.description}
          </Typography>
        </CardContent>
      </CardActionArea>
    </Card>
  );
}

/**
 * The ARIA radio-group pattern: one Tab stop (the chosen style), arrow keys move the choice
 * and the focus, Home/End jump to the ends.
 */
export function StyleGallery({
  styles,
  value,
  onChange,
  assetId,
  aspect,
  fit = 'smart',
}: {
  styles: CaptionStyle[];
  value: string;
  onChange: (id: string) => void;
  assetId: string | undefined;
  aspect: string;
  /** How the frame fills the aspect: the fit the render will use. */
  fit?: string;
}) {
  const current = Math.max(
    0,
    styles.findIndex((s) => s.id === value),
  );
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    const target =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? styles.length - 1
          : step === undefined
            ? undefined
            : (current + step + styles.length) % styles.length;
    if (target === undefined || styles.length === 0) return;
    event.preventDefault();
    const next = styles[target]!;
    onChange(next.id);
    event.currentTarget.querySelector<HTMLElement>(`[data-style="${next.id}"]`)?.focus();
  };
  return (
    <Box
      role="radiogroup"
      aria-label="Caption style"
      onKeyDown={onKeyDown}
      sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}
    >
      {styles.map((s, i) => (
        <StyleCard
          key={s.id}
          style={s}
          selected={s.id === value}
          focusable={i === current}
          onSelect={() => onChange(s.id)}
          assetId={assetId}
          aspect={aspect}
          fit={fit}
        />
      ))}
    </Box>
  );
}
