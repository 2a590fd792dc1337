/** A render's state as a chip, with a labelled progress bar while it runs. */
import { Box, Chip, LinearProgress, Typography } from '@mui/material';
import { isActive, type RenderState, type RenderView } from '@cutline/contract';
import { useRecordContext } from 'react-admin';
import { useLive } from '../api/live';

export type RenderLike = Pick<RenderView, 'id' | 'state' | 'progress'> & Partial<Pick<RenderView, 'stage' | 'error'>>;

const COLORS: Record<RenderState, 'default' | 'primary' | 'success' | 'error' | 'warning' | 'info'> = {
  queued: 'default',
  admitted: 'info',
  running: 'primary',
  succeeded: 'success',
  failed: 'error',
  canceled: 'warning',
  expired: 'default',
};

export function RenderStatus({ render }: { render: RenderLike }) {
  const live = useLive(render) ?? render;
  const percent = Math.round((live.progress ?? 0) * 100);
  const active = isActive(live.state);
  return (
    <Box sx={{ minWidth: 140 }}>
      <Chip size="small" label={live.state} color={COLORS[live.state]} />
      {active && (
        <Box sx={{ mt: 0.5 }}>
          <LinearProgress variant="determinate" value={percent} aria-label={`Render progress ${percent}%`} />
          <Typography variant="caption" component="div">
            {percent}%{live.stage ? ` · ${live.stage}` : ''}
          </Typography>
        </Box>
      )}
    </Box>
  );
}

export function RenderStatusField(_props: { label?: string; sortable?: boolean; sortBy?: string }) {
  const record = useRecordContext<RenderLike>();
  return record ? <RenderStatus render={record} /> : null;
}
