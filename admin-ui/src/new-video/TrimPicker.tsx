/**
 * In and out points on a scrubber over the uploaded video, with the frame at the point being
 * moved shown above it. The narration still decides the length: a shorter part loops or
 * freezes as the video's option says.
 */
import { Box, FormControlLabel, FormHelperText, Slider, Switch, Typography } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/http';
import { formatSeconds } from '../lib/format';

/** Tenths matter here: 2.5 s, not 3 s. */
const tenths = (seconds: number) => `${seconds.toFixed(1)} s`;
import type { NewVideoForm } from './useNewVideo';

export function TrimPicker({ form }: { form: NewVideoForm }) {
  const { video, trim } = form.fields;
  const duration = video?.durationSeconds ?? null;
  const player = useRef<HTMLVideoElement | null>(null);
  const [source, setSource] = useState<string | null>(null);
  const trimming = trim !== null;
  const videoId = video?.id;
  // A new link only for another video, or when trimming is switched on.
  useEffect(() => {
    setSource(null);
    if (!videoId || !trimming) return;
    let live = true;
    void api<{ url: string }>(`/v1/assets/${encodeURIComponent(videoId)}/link`)
      .then(({ data }) => live && setSource(data.url))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [videoId, trimming]);
  if (!video || duration === null || duration < 0.5) return null;
  const problem = form.fieldError('trim.start') ?? form.fieldError('trim.end');
  const show = (seconds: number) => {
    if (player.current) player.current.currentTime = seconds;
  };
  return (
    <Box sx={{ mt: 2 }}>
      <FormControlLabel
        control={
          <Switch
            checked={trim !== null}
            onChange={(e) => form.set('trim', e.target.checked ? { start: 0, end: duration } : null)}
          />
        }
        label="Use only part of the video"
      />
      {trim && (
        <Box sx={{ maxWidth: 560 }}>
          {source && (
            <video
              ref={player}
              src={source}
              muted
              preload="auto"
              aria-label="The frame at the point being moved"
              style={{ width: '100%', maxHeight: 240, background: '#000' }}
              onLoadedMetadata={() => show(trim.start)}
            />
          )}
          <Slider
            value={[trim.start, trim.end]}
            min={0}
            max={duration}
            step={0.1}
            disableSwap
            valueLabelDisplay="auto"
            valueLabelFormat={tenths}
            getAriaLabel={(i) => (i === 0 ? 'In point' : 'Out point')}
            getAriaValueText={(v) => `${v.toFixed(1)} seconds`}
            onChange={(_e, value, thumb) => {
              const [start, end] = value as number[];
              if (end! - start! < 0.1) return;
              form.set('trim', { start: start!, end: end! });
              show(thumb === 0 ? start! : end!);
            }}
          />
          <Typography variant="body2">
            From {tenths(trim.start)} to {tenths(trim.end)} ({tenths(trim.end - trim.start)} of{' '}
            {formatSeconds(duration)}). If the narration is longer, this part loops.
          </Typography>
          {problem && <FormHelperText error>{problem}</FormHelperText>}
        </Box>
      )}
    </Box>
  );
}
