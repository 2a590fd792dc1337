/** The signed-in person's account: which mails they get, and the defaults of new videos. */
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  FormControlLabel,
  FormGroup,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Title, useNotify } from 'react-admin';
import { errorMessage } from '../api/http';
import { loadSession } from '../api/session';
import { fetchPreferences, savePreferences, type Preferences } from '../lib/preferences';

const MAILS: Array<{ key: keyof Preferences['notifications']; label: string; help: string }> = [
  { key: 'renders', label: 'My videos', help: 'When a video you made is ready or failed' },
  { key: 'batches', label: 'My batches', help: 'When every video of a batch you started has finished' },
  { key: 'comments', label: 'Mentions', help: 'When someone mentions you in a comment on a video' },
  { key: 'usage', label: 'Quota (owners and admins)', help: 'At 80 % and 100 % of the monthly quota' },
  { key: 'billing', label: 'Billing (owners and admins)', help: 'Failed payments and confirmed subscriptions' },
];

export function AccountPage() {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const session = loadSession();
  const stored = useQuery({ queryKey: ['preferences'], queryFn: fetchPreferences });
  const [draft, setDraft] = useState<Preferences | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (stored.data) setDraft(stored.data);
  }, [stored.data]);

  const save = async () => {
    if (!draft) return;
    setBusy(true);
    try {
      await savePreferences(draft);
      await queryClient.invalidateQueries({ queryKey: ['preferences'] });
      notify('Saved.', { type: 'info' });
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box sx={{ p: { xs: 1, sm: 2 }, maxWidth: 720 }}>
      <Title title="Account" />
      <Typography variant="h5" component="h1" gutterBottom>
        Account and notifications
      </Typography>
      {session && (
        <Typography gutterBottom>
          {session.user.name} · {session.user.email}
          {session.user.emailVerified === false ? ' (not confirmed yet)' : ''}
        </Typography>
      )}
      {stored.error && <Alert severity="error">{errorMessage(stored.error)}</Alert>}
      {draft && (
        <>
          <Card sx={{ mb: 2 }}>
            <CardContent>
              <Typography variant="h6" component="h2">
                Mail me about
              </Typography>
              <FormGroup>
                {MAILS.map((m) => (
                  <FormControlLabel
                    key={m.key}
                    control={
                      <Switch
                        checked={draft.notifications[m.key]}
                        onChange={(e) =>
                          setDraft({ ...draft, notifications: { ...draft.notifications, [m.key]: e.target.checked } })
                        }
                      />
                    }
                    label={
                      <span>
                        {m.label}
                        <Typography component="span" variant="body2" color="text.secondary" display="block">
                          {m.help}
                        </Typography>
                      </span>
                    }
                  />
                ))}
              </FormGroup>
            </CardContent>
          </Card>
          <Card sx={{ mb: 2 }}>
            <CardContent sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
              <Typography variant="h6" component="h2" sx={{ width: '100%' }}>
                New videos start with
              </Typography>
              <TextField
                label="Voice"
                value={draft.defaultVoice ?? ''}
                helperText="Set by the last video you made; empty = chosen for the script"
                onChange={(e) => setDraft({ ...draft, defaultVoice: e.target.value || null })}
              />
              <TextField
                label="Caption style"
                value={draft.defaultCaptionStyle ?? ''}
                onChange={(e) => setDraft({ ...draft, defaultCaptionStyle: e.target.value || null })}
              />
            </CardContent>
          </Card>
          <Button variant="contained" disabled={busy} onClick={() => void save()}>
            Save
          </Button>
        </>
      )}
    </Box>
  );
}
