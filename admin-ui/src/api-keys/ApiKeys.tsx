/** API keys: create (the secret is shown once), list with last use, revoke. Admins and owners only. */
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  FormGroup,
  IconButton,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Title, useNotify } from 'react-admin';
import { api, ApiError, errorMessage } from '../api/http';
import { unlockingPlan, usePlans, useUsage } from '../api/queries';
import { PlanLock } from '../components/PlanLock';
import { formatDate } from '../lib/format';

const SCOPES = ['renders:read', 'renders:write', 'assets:read', 'assets:write'];

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  lastUsedAt: string | null;
  createdAt: string;
}

export function ApiKeys() {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ['api-keys-page'],
    queryFn: async () => (await api<ApiKey[]>('/v1/api-keys')).data,
  });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(SCOPES);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const usage = useUsage();
  const plans = usePlans();
  const lockedBy =
    usage.data && !usage.data.limits.apiAccess
      ? (unlockingPlan(plans.data, usage.data.plan, (p) => p.apiAccess) ?? 'enterprise')
      : null;

  const create = async () => {
    setError(null);
    try {
      const { data } = await api<{ key: string }>('/v1/api-keys', { method: 'POST', json: { name, scopes } });
      setSecret(data.key);
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['api-keys-page'] });
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const revoke = async (key: ApiKey) => {
    if (!window.confirm(`Revoke "${key.name}"? Programs using it stop working at once.`)) return;
    try {
      await api(`/v1/api-keys/${key.id}`, { method: 'DELETE' });
      notify('Key revoked', { type: 'info' });
      await queryClient.invalidateQueries({ queryKey: ['api-keys-page'] });
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    }
  };

  return (
    <Box sx={{ p: { xs: 1, sm: 2 } }}>
      <Title title="API keys" />
      <Typography variant="h5" component="h1" gutterBottom>
        API keys
      </Typography>
      {keys.error && <Alert severity="error">{errorMessage(keys.error)}</Alert>}
      <Card sx={{ mb: 2 }}>
        <CardContent>
          <Typography variant="h6" component="h2">
            Create a key
          </Typography>
          <TextField
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            margin="dense"
            inputProps={{ maxLength: 100 }}
            error={Boolean(error instanceof ApiError && error.fieldMessage('name'))}
            helperText={error instanceof ApiError ? error.fieldMessage('name') : 'What will use it, e.g. "Zapier"'}
          />
          <FormGroup row aria-label="Scopes">
            {SCOPES.map((s) => (
              <FormControlLabel
                key={s}
                label={s}
                control={
                  <Checkbox
                    checked={scopes.includes(s)}
                    onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
                  />
                }
              />
            ))}
          </FormGroup>
          {error && (
            <Alert severity="error" role="alert">
              {errorMessage(error)}
            </Alert>
          )}
          <PlanLock unlockedBy={lockedBy}>
            <Button
              variant="contained"
              onClick={() => void create()}
              disabled={!name.trim() || scopes.length === 0 || Boolean(lockedBy)}
              sx={{ mt: 1 }}
            >
              Create key
            </Button>
          </PlanLock>
          {usage.data?.limits.apiAccess && (
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
              Each key may make {usage.data.limits.apiRequestsPerMinute} requests a minute; answers carry RateLimit
              headers.
            </Typography>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardContent sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label="API keys">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Key</TableCell>
                <TableCell>Scopes</TableCell>
                <TableCell>Last used</TableCell>
                <TableCell>Created</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {(keys.data ?? []).map((k) => (
                <TableRow key={k.id}>
                  <TableCell>{k.name}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{k.prefix}…</TableCell>
                  <TableCell>{k.scopes.join(', ')}</TableCell>
                  <TableCell>{formatDate(k.lastUsedAt)}</TableCell>
                  <TableCell>{formatDate(k.createdAt)}</TableCell>
                  <TableCell>
                    <Button color="error" onClick={() => void revoke(k)}>
                      Revoke
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {keys.data?.length === 0 && <Typography color="text.secondary">No keys yet.</Typography>}
        </CardContent>
      </Card>
      <Dialog open={secret !== null} onClose={() => setSecret(null)} aria-labelledby="secret-title">
        <DialogTitle id="secret-title">Your new API key</DialogTitle>
        <DialogContent>
          <Typography gutterBottom>Copy it now: it is shown only once and cannot be recovered.</Typography>
          <Box
            sx={{
              display: 'flex',
              alignItems: 'center',
              gap: 1,
              fontFamily: 'monospace',
              wordBreak: 'break-all',
              bgcolor: 'grey.100',
              p: 1,
            }}
            data-testid="api-key-secret"
          >
            {secret}
            <IconButton aria-label="Copy the key" onClick={() => void navigator.clipboard?.writeText(secret ?? '')}>
              <ContentCopyIcon />
            </IconButton>
          </Box>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setSecret(null)}>I have copied it</Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
