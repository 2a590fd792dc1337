/**
 * One render: live progress while it runs; when done, a player per format with the caption
 * track toggle, downloads (video, SRT, VTT), retry and cancel.
 */
import DownloadIcon from '@mui/icons-material/Download';
import { Alert, Box, Button, Card, CardContent, FormControlLabel, Grid, Link, Switch, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type MutableRefObject } from 'react';
import { Title, useGetOne, useNotify } from 'react-admin';
import { Link as RouterLink, useParams, useSearchParams } from 'react-router-dom';
import { ImageResults } from '../images/ImageResults';
import { CommentsPanel } from './CommentsPanel';
import { RenderFiling } from './RenderFiling';
import { api, errorMessage } from '../api/http';
import { useLive } from '../api/live';
import { isActive, type RenderView } from '@cutline/contract';
import { RenderStatus } from '../components/RenderStatus';
import { formatBytes, formatDate, formatSeconds } from '../lib/format';

export type RenderRecord = RenderView;

interface Output {
  kind: string;
  name: string;
  aspect: string | null;
  bytes: number;
  width: number | null;
  height: number | null;
  url: string;
  previewUrl: string;
  fileExpiresAt: string | null;
}

function Player({
  video,
  vtt,
  showCaptions,
  playerRef,
  onTime,
}: {
  video: Output;
  vtt: Output | undefined;
  showCaptions: boolean;
  /** The first player: comments are placed at its time, and their times play in it. */
  playerRef?: MutableRefObject<HTMLVideoElement | null>;
  onTime?: (seconds: number) => void;
}) {
  const ref = useRef<HTMLVideoElement | null>(null);
  useEffect(() => {
    const track = ref.current?.textTracks[0];
    if (track) track.mode = showCaptions ? 'showing' : 'hidden';
  }, [showCaptions, vtt]);
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="subtitle1" component="h3">
          {video.aspect} · {video.width}×{video.height}
        </Typography>
        <video
          ref={(element) => {
            ref.current = element;
            if (playerRef) playerRef.current = element;
          }}
          src={video.previewUrl}
          onTimeUpdate={(e) => onTime?.(e.currentTarget.currentTime)}
          controls
          preload="metadata"
          crossOrigin="anonymous"
          style={{ width: '100%', maxHeight: 480, background: '#000' }}
          aria-label={`${video.aspect} video`}
          data-testid={`player-${video.aspect}`}
        >
          {vtt && <track kind="captions" src={vtt.previewUrl} srcLang="en" label="Captions" />}
        </video>
        <Button href={video.url} download startIcon={<DownloadIcon />} data-testid={`download-${video.aspect}`}>
          Download {video.aspect} ({formatBytes(video.bytes)})
        </Button>
      </CardContent>
    </Card>
  );
}

export function RenderShow() {
  const { id = '' } = useParams();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { data, error, isPending } = useGetOne<RenderRecord>('renders', { id });
  const render = useLive(data);
  const [showCaptions, setShowCaptions] = useState(false);
  const [acting, setActing] = useState(false);
  const player = useRef<HTMLVideoElement | null>(null);
  const [playhead, setPlayhead] = useState<number | undefined>(undefined);
  const [search] = useSearchParams();
  const seek = (seconds: number) => {
    const element = player.current;
    if (!element) return;
    element.currentTime = seconds;
    element.scrollIntoView({ block: 'nearest' });
    void element.play().catch(() => undefined);
  };
  const outputs = useQuery({
    queryKey: ['outputs', id, render?.state],
    queryFn: async () => (await api<Output[]>(`/v1/renders/${id}/outputs`)).data,
    enabled: render?.state === 'succeeded',
    // Links expire after 15 minutes: fetch fresh ones before that.
    staleTime: 10 * 60_000,
  });

  // A mailed link to a comment carries its time (?t=12.5): the player starts there.
  const linkedTime = Number(search.get('t'));
  useEffect(() => {
    if (!outputs.data || !Number.isFinite(linkedTime) || linkedTime <= 0 || !player.current) return;
    player.current.currentTime = linkedTime;
    setPlayhead(linkedTime);
  }, [outputs.data, linkedTime]);

  const deleteFiles = async () => {
    if (!window.confirm('Delete every file of this render now? This cannot be undone.')) return;
    setActing(true);
    try {
      await api(`/v1/renders/${id}/outputs`, { method: 'DELETE' });
      notify('The files were deleted.', { type: 'info' });
      await queryClient.invalidateQueries({ queryKey: ['outputs', id] });
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    } finally {
      setActing(false);
    }
  };

  const act = async (action: 'retry' | 'cancel') => {
    setActing(true);
    try {
      await api(`/v1/renders/${id}/${action}`, { method: 'POST' });
      notify(action === 'retry' ? 'The render is queued again.' : 'The render was canceled; its quota is refunded.', {
        type: 'info',
      });
      await queryClient.invalidateQueries();
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    } finally {
      setActing(false);
    }
  };

  if (isPending) return <Typography sx={{ p: 2 }}>Loading…</Typography>;
  if (error || !render)
    return (
      <Alert severity="error" sx={{ m: 2 }}>
        {errorMessage(error ?? new Error('Render not found.'))}
      </Alert>
    );
  const files = outputs.data ?? [];
  const videos = files.filter((f) => f.kind === 'video');
  const vtt = files.find((f) => f.kind === 'vtt');
  const srt = files.find((f) => f.kind === 'srt');
  const active = isActive(render.state);
  const isImageJob = render.kind === 'image';

  return (
    <Box sx={{ p: { xs: 1, sm: 2 } }}>
      <Title title={render.title ?? 'Render'} />
      <Typography variant="h5" component="h1" gutterBottom>
        {render.title ?? 'Untitled render'}
      </Typography>
      <Card sx={{ mb: 2 }}>
        <CardContent>
          <Box sx={{ display: 'flex', gap: 3, flexWrap: 'wrap', alignItems: 'flex-start' }}>
            <Box aria-live="polite" data-testid="render-status">
              <RenderStatus render={render} />
            </Box>
            <Typography variant="body2">
              Submitted {formatDate(render.queuedAt)}
              <br />
              Finished {formatDate(render.finishedAt)}
            </Typography>
            {isImageJob ? (
              <Typography variant="body2">
                Sizes {render.formats.join(', ')}
                <br />
                Queue {render.tier}
              </Typography>
            ) : (
              <>
                <Typography variant="body2">
                  Formats {render.formats.join(', ')}
                  <br />
                  Voice {render.voice}
                </Typography>
                <Typography variant="body2">
                  Narration {formatSeconds(render.durationSeconds)}
                  <br />
                  Queue {render.tier}
                </Typography>
              </>
            )}
          </Box>
          {render.error && render.state !== 'succeeded' && (
            <Alert severity={render.state === 'canceled' ? 'warning' : 'error'} sx={{ mt: 2 }}>
              {render.error.message} ({render.error.code})
            </Alert>
          )}
          <Box sx={{ mt: 2, display: 'flex', gap: 1 }}>
            {active && (
              <Button variant="outlined" color="warning" disabled={acting} onClick={() => void act('cancel')}>
                Cancel render
              </Button>
            )}
            {(render.state === 'failed' || render.state === 'canceled') && (
              <Button variant="contained" disabled={acting} onClick={() => void act('retry')}>
                Retry
              </Button>
            )}
            {render.state === 'succeeded' && files.some((f) => f.kind === 'video' || f.kind === 'image') && (
              <Button variant="outlined" color="error" disabled={acting} onClick={() => void deleteFiles()}>
                Delete files now
              </Button>
            )}
            <Button component={RouterLink} to="/renders">
              Back to renders
            </Button>
          </Box>
          <RenderFiling render={render} />
        </CardContent>
      </Card>
      {render.state === 'succeeded' && isImageJob && (
        <Box>
          <Typography variant="h6" component="h2" gutterBottom>
            Before and after
          </Typography>
          {outputs.error && <Alert severity="error">{errorMessage(outputs.error)}</Alert>}
          {files.length === 0 && !outputs.isPending ? (
            <Alert severity="info">The files of this job have expired or were deleted.</Alert>
          ) : (
            <ImageResults assetId={render.assetId} outputs={files} />
          )}
        </Box>
      )}
      {render.state === 'succeeded' && !isImageJob && (
        <Box>
          {outputs.error && <Alert severity="error">{errorMessage(outputs.error)}</Alert>}
          <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap', mb: 1 }}>
            <Typography variant="h6" component="h2">
              Your videos
            </Typography>
            {vtt && (
              <FormControlLabel
                control={<Switch checked={showCaptions} onChange={(e) => setShowCaptions(e.target.checked)} />}
                label="Caption track in the player"
              />
            )}
            {srt && (
              <Link href={srt.url} download>
                Download SRT
              </Link>
            )}
            {vtt && (
              <Link href={vtt.url} download>
                Download VTT
              </Link>
            )}
          </Box>
          {videos[0]?.fileExpiresAt && (
            <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
              {render.deleteAfterDownload
                ? `Each video is deleted once it has been downloaded (at the latest ${formatDate(videos[0].fileExpiresAt)}); playing it here does not count.`
                : `Files are kept until ${formatDate(videos[0].fileExpiresAt)}.`}
            </Typography>
          )}
          <Grid container spacing={2}>
            {videos.map((v, i) => (
              <Grid key={v.name} size={{ xs: 12, md: 6, lg: 4 }}>
                <Player
                  video={v}
                  vtt={vtt}
                  showCaptions={showCaptions}
                  {...(i === 0 ? { playerRef: player, onTime: setPlayhead } : {})}
                />
              </Grid>
            ))}
          </Grid>
          {videos.length === 0 && !outputs.isPending && (
            <Alert severity="info">The files of this render have expired or were deleted.</Alert>
          )}
        </Box>
      )}
      <CommentsPanel renderId={render.id} playhead={videos.length > 0 ? (playhead ?? 0) : undefined} onSeek={seek} />
    </Box>
  );
}
