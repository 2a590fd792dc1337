/**
 * Feedback on a render: the thread, each comment optionally at a time of the video (a click
 * jumps the player there), mentions of members (mailed to them), resolve and reopen. Text is
 * shown as text: React escapes it, and nothing here renders markup from a comment.
 */
import {
  Alert,
  Autocomplete,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  Chip,
  FormControlLabel,
  List,
  ListItem,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { usePermissions } from 'react-admin';
import type { Permissions } from '../api/authProvider';
import { api, ApiError, errorMessage } from '../api/http';
import { loadSession } from '../api/session';
import { formatDate } from '../lib/format';

interface CommentView {
  id: string;
  authorId: string | null;
  authorName: string | null;
  body: string;
  atSeconds: number | null;
  mentions: string[];
  resolved: boolean;
  createdAt: string;
  editedAt: string | null;
}

interface Member {
  userId: string;
  name: string;
  email: string;
}

/** 75.4 → "1:15" */
export function clock(seconds: number): string {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function CommentsPanel({
  renderId,
  playhead,
  onSeek,
}: {
  renderId: string;
  /** Where the player is now, when there is one. */
  playhead: number | undefined;
  onSeek: (seconds: number) => void;
}) {
  const queryClient = useQueryClient();
  const { permissions } = usePermissions<Permissions>();
  const me = loadSession()?.user.id;
  const [showResolved, setShowResolved] = useState(false);
  const key = ['comments', renderId];
  const thread = useQuery({
    queryKey: key,
    queryFn: async () =>
      (
        await api<CommentView[]>(
          `/v1/renders/${renderId}/comments?sort=${encodeURIComponent('["createdAt","ASC"]')}&range=${encodeURIComponent('[0,199]')}`,
        )
      ).data,
  });
  const members = useQuery({
    queryKey: ['members'],
    queryFn: async () => (await api<Member[]>('/v1/members')).data,
    staleTime: 60_000,
  });
  const names = new Map((members.data ?? []).map((m) => [m.userId, m.name]));
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  const change = async (id: string, json: object) => {
    await api(`/v1/comments/${id}`, { method: 'PATCH', json });
    await refresh();
  };
  const remove = async (id: string) => {
    await api(`/v1/comments/${id}`, { method: 'DELETE' });
    await refresh();
  };
  const comments = (thread.data ?? []).filter((c) => showResolved || !c.resolved);
  const resolvedCount = (thread.data ?? []).filter((c) => c.resolved).length;

  return (
    <Card sx={{ mt: 2 }}>
      <CardContent>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
          <Typography variant="h6" component="h2">
            Comments
          </Typography>
          {resolvedCount > 0 && (
            <FormControlLabel
              control={<Checkbox checked={showResolved} onChange={(e) => setShowResolved(e.target.checked)} />}
              label={`Show resolved (${resolvedCount})`}
            />
          )}
        </Box>
        {thread.error && <Alert severity="error">{errorMessage(thread.error)}</Alert>}
        <List aria-label="Comments" data-testid="comments">
          {comments.map((c) => (
            <ListItem
              key={c.id}
              divider
              alignItems="flex-start"
              sx={{ display: 'block', opacity: c.resolved ? 0.6 : 1 }}
            >
              <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
                <Typography variant="subtitle2">{c.authorName ?? 'Former member'}</Typography>
                {c.atSeconds !== null && (
                  <Chip
                    size="small"
                    color="primary"
                    label={`at ${clock(c.atSeconds)}`}
                    onClick={() => onSeek(c.atSeconds!)}
                    aria-label={`at ${clock(c.atSeconds)}: play from there`}
                  />
                )}
                <Typography variant="caption" color="text.secondary">
                  {formatDate(c.createdAt)}
                  {c.editedAt ? ' (edited)' : ''}
                </Typography>
                {c.resolved && <Chip size="small" label="Resolved" />}
              </Stack>
              <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', my: 0.5 }}>
                {c.body}
              </Typography>
              {c.mentions.length > 0 && (
                <Typography variant="caption" color="text.secondary">
                  Mentioned: {c.mentions.map((id) => names.get(id) ?? 'a member').join(', ')}
                </Typography>
              )}
              <Box>
                <Button size="small" onClick={() => void change(c.id, { resolved: !c.resolved })}>
                  {c.resolved ? 'Reopen' : 'Resolve'}
                </Button>
                {(c.authorId === me || permissions?.role === 'owner' || permissions?.role === 'admin') && (
                  <Button size="small" color="error" onClick={() => void remove(c.id)}>
                    Delete
                  </Button>
                )}
              </Box>
            </ListItem>
          ))}
        </List>
        {comments.length === 0 && !thread.isPending && (
          <Typography variant="body2" color="text.secondary">
            No open comments.
          </Typography>
        )}
        <Composer
          renderId={renderId}
          members={(members.data ?? []).filter((m) => m.userId !== me)}
          playhead={playhead}
          onPosted={refresh}
        />
      </CardContent>
    </Card>
  );
}

function Composer({
  renderId,
  members,
  playhead: time,
  onPosted,
}: {
  renderId: string;
  members: Member[];
  playhead: number | undefined;
  onPosted: () => Promise<void>;
}) {
  const [body, setBody] = useState('');
  const [atTime, setAtTime] = useState(true);
  const [mentioned, setMentioned] = useState<Member[]>([]);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const post = async () => {
    setBusy(true);
    setError(null);
    try {
      await api(`/v1/renders/${renderId}/comments`, {
        method: 'POST',
        json: {
          body,
          ...(atTime && time !== undefined ? { atSeconds: Math.round(time * 10) / 10 } : {}),
          ...(mentioned.length > 0 ? { mentions: mentioned.map((m) => m.userId) } : {}),
        },
      });
      setBody('');
      setMentioned([]);
      await onPosted();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  const field = (f: string) => (error instanceof ApiError ? error.fieldMessage(f) : undefined);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, mt: 1 }}>
      <TextField
        label="Add a comment"
        value={body}
        onChange={(e) => setBody(e.target.value)}
        multiline
        minRows={2}
        inputProps={{ maxLength: 2000 }}
        error={Boolean(field('body'))}
        helperText={field('body')}
      />
      <Autocomplete
        multiple
        options={members}
        value={mentioned}
        onChange={(_e, value) => setMentioned(value)}
        getOptionLabel={(m) => `${m.name} (${m.email})`}
        isOptionEqualToValue={(a, b) => a.userId === b.userId}
        renderInput={(params) => (
          <TextField
            {...params}
            label="Mention"
            error={Boolean(field('mentions'))}
            helperText={field('mentions') ?? 'They get a mail with the comment'}
          />
        )}
      />
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        {time !== undefined && (
          <FormControlLabel
            control={<Checkbox checked={atTime} onChange={(e) => setAtTime(e.target.checked)} />}
            label={`At ${clock(time)} of the video`}
          />
        )}
        {field('atSeconds') && <Typography color="error">{field('atSeconds')}</Typography>}
        <Button variant="contained" disabled={busy || !body.trim()} onClick={() => void post()}>
          Comment
        </Button>
      </Box>
      {error && !(error instanceof ApiError && error.details.length > 0) && (
        <Alert severity="error">{errorMessage(error)}</Alert>
      )}
    </Box>
  );
}
