/**
 * Webhooks for developers: endpoints of the organization (URL, events, enabled), the signing
 * secret shown once, and each endpoint's delivery log with redelivery.
 */
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  Chip,
  FormControlLabel,
  FormGroup,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Title, useNotify } from 'react-admin';
import { api, ApiError, errorMessage } from '../api/http';
import { formatDate } from '../lib/format';

interface Endpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
}

interface Delivery {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
}

const EVENT_TYPES = ['render.succeeded', 'render.failed', 'render.canceled', 'batch.finished', 'usage.alert'];

function NewEndpoint({ onCreated }: { onCreated: (secret: string) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(['render.succeeded', 'render.failed']);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const field = (name: string) => (error instanceof ApiError ? error.fieldMessage(name) : undefined);
  const create = async () => {
    setError(null);
    try {
      const { data } = await api<{ secret: string }>('/v1/webhooks', {
        method: 'POST',
        json: { url, description, eventTypes: events },
      });
      setUrl('');
      setDescription('');
      onCreated(data.secret);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  return (
    <Card sx={{ mb: 2 }}>
      <CardContent>
        <Typography variant="h6" component="h2">
          Add an endpoint
        </Typography>
        <TextField
          label="URL"
          placeholder="https://example.com/cutline-webhooks"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          fullWidth
          margin="normal"
          error={Boolean(field('url'))}
          helperText={field('url') ?? 'An http(s) address on the public internet'}
        />
        <TextField
          label="Description (optional)"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          fullWidth
          margin="normal"
        />
        <FormGroup row aria-label="Events">
          {EVENT_TYPES.map((t) => (
            <FormControlLabel
              key={t}
              control={
                <Checkbox
                  checked={events.includes(t)}
                  onChange={(e) => setEvents(e.target.checked ? [...events, t] : events.filter((x) => x !== t))}
                />
              }
              label={t}
            />
          ))}
        </FormGroup>
        {error && !field('url') && (
          <Alert severity="error" role="alert">
            {errorMessage(error)}
          </Alert>
        )}
        <Button variant="contained" sx={{ mt: 1 }} disabled={!url || events.length === 0} onClick={() => void create()}>
          Add endpoint
        </Button>
      </CardContent>
    </Card>
  );
}

function Deliveries({ endpoint }: { endpoint: Endpoint }) {
  const notify = useNotify();
  const deliveries = useQuery({
    queryKey: ['webhook-deliveries', endpoint.id],
    queryFn: async () => (await api<Delivery[]>(`/v1/webhooks/${endpoint.id}/deliveries?limit=20`)).data,
    refetchInterval: 5_000,
  });
  const redeliver = async (d: Delivery) => {
    try {
      await api(`/v1/webhooks/${endpoint.id}/deliveries/${d.id}/redeliver`, { method: 'POST' });
      notify('Queued for delivery.', { type: 'info' });
      await deliveries.refetch();
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    }
  };
  if (!deliveries.data?.length) return <Typography color="text.secondary">No deliveries yet.</Typography>;
  return (
    <Table size="small" aria-label={`Deliveries to ${endpoint.url}`}>
      <TableHead>
        <TableRow>
          <TableCell>Event</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>Attempts</TableCell>
          <TableCell>Answer</TableCell>
          <TableCell>Latency</TableCell>
          <TableCell>When</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {deliveries.data.map((d) => (
          <TableRow key={d.id}>
            <TableCell>{d.eventType}</TableCell>
            <TableCell>
              <Chip
                size="small"
                label={d.status}
                color={d.status === 'succeeded' ? 'success' : d.status === 'failed' ? 'error' : 'default'}
              />
            </TableCell>
            <TableCell>{d.attempts}</TableCell>
            <TableCell title={d.lastError ?? undefined}>{d.lastStatusCode ?? d.lastError ?? '—'}</TableCell>
            <TableCell>{d.lastLatencyMs !== null ? `${d.lastLatencyMs} ms` : '—'}</TableCell>
            <TableCell>{formatDate(d.createdAt)}</TableCell>
            <TableCell>
              {d.status !== 'pending' && (
                <Button size="small" onClick={() => void redeliver(d)}>
                  Redeliver
                </Button>
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function Webhooks() {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
  const endpoints = useQuery({
    queryKey: ['webhooks'],
    queryFn: async () => (await api<Endpoint[]>('/v1/webhooks')).data,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      await refresh();
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    }
  };
  return (
    <Box sx={{ p: { xs: 1, sm: 2 } }}>
      <Title title="Webhooks" />
      <Typography variant="h5" component="h1" gutterBottom>
        Webhooks
      </Typography>
      <Typography gutterBottom>
        Cutline posts each event to your endpoints, signed the{' '}
        <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> way (webhook-id, webhook-timestamp,
        webhook-signature), and retries failures for a day.
      </Typography>
      {secret && (
        <Alert severity="warning" sx={{ mb: 2 }} onClose={() => setSecret(null)}>
          The signing secret, shown only now: <code>{secret}</code>
        </Alert>
      )}
      <NewEndpoint
        onCreated={(s) => {
          setSecret(s);
          void refresh();
        }}
      />
      {endpoints.error && <Alert severity="error">{errorMessage(endpoints.error)}</Alert>}
      {(endpoints.data ?? []).map((e) => (
        <Card key={e.id} sx={{ mb: 2 }}>
          <CardContent sx={{ overflowX: 'auto' }}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
              <Typography variant="h6" component="h2" sx={{ wordBreak: 'break-all', flex: 1 }}>
                {e.url}
              </Typography>
              <FormControlLabel
                control={
                  <Switch
                    checked={e.enabled}
                    onChange={(event) =>
                      void act(() =>
                        api(`/v1/webhooks/${e.id}`, { method: 'PATCH', json: { enabled: event.target.checked } }),
                      )
                    }
                  />
                }
                label="Enabled"
              />
              <Button
                onClick={() =>
                  void act(async () =>
                    setSecret(
                      (await api<{ secret: string }>(`/v1/webhooks/${e.id}/rotate-secret`, { method: 'POST' })).data
                        .secret,
                    ),
                  )
                }
              >
                Rotate secret
              </Button>
              <Button
                color="error"
                onClick={() =>
                  window.confirm(`Remove ${e.url} and its delivery log?`) &&
                  void act(() => api(`/v1/webhooks/${e.id}`, { method: 'DELETE' }))
                }
              >
                Remove
              </Button>
            </Box>
            {e.description && <Typography color="text.secondary">{e.description}</Typography>}
            <Typography variant="body2" sx={{ mb: 1 }}>
              {e.eventTypes.join(', ')}
            </Typography>
            {e.disabledReason && (
              <Alert severity="error" sx={{ mb: 1 }}>
                Disabled: {e.disabledReason}. Fix the receiver, enable it, then redeliver what it missed.
              </Alert>
            )}
            <Deliveries endpoint={e} />
          </CardContent>
        </Card>
      ))}
    </Box>
  );
}
