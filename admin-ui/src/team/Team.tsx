/**
 * Team members and roles: everyone sees the list; admins invite addresses (the invitee joins
 * by accepting the mailed link), resend or revoke invitations, change roles and remove.
 */
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
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
import { Title, useNotify, usePermissions } from 'react-admin';
import { api, ApiError, errorMessage } from '../api/http';
import type { Permissions } from '../api/authProvider';
import { formatDate } from '../lib/format';

interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
  joinedAt: string;
}

interface Invitation {
  id: string;
  email: string;
  role: string;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  invitedBy: string | null;
  sentCount: number;
  expiresAt: string;
}

const ROLES = ['member', 'admin', 'owner'];

export function Team() {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { permissions } = usePermissions<Permissions>();
  const canManage = permissions?.role === 'admin' || permissions?.role === 'owner';
  const members = useQuery({
    queryKey: ['members-page'],
    queryFn: async () => (await api<Member[]>('/v1/members')).data,
  });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('member');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const invitations = useQuery({
    queryKey: ['invitations-page'],
    enabled: canManage,
    queryFn: async () => (await api<Invitation[]>('/v1/invitations')).data,
  });
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['members-page'] });
    await queryClient.invalidateQueries({ queryKey: ['invitations-page'] });
  };

  const invite = async () => {
    setError(null);
    try {
      await api('/v1/invitations', { method: 'POST', json: { email, role } });
      notify(`Invitation sent to ${email}.`, { type: 'info' });
      setEmail('');
      await refresh();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const manageInvitation = async (invitation: Invitation, action: 'resend' | 'revoke') => {
    if (action === 'revoke' && !window.confirm(`Revoke the invitation of ${invitation.email}?`)) return;
    try {
      await api(
        `/v1/invitations/${invitation.id}${action === 'resend' ? '/resend' : ''}`,
        action === 'resend' ? { method: 'POST' } : { method: 'DELETE' },
      );
      if (action === 'resend') notify(`Invitation sent to ${invitation.email} again.`, { type: 'info' });
      await refresh();
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    }
  };
  const change = async (member: Member, next: string | 'remove') => {
    if (next === 'remove' && !window.confirm(`Remove ${member.email} from the team?`)) return;
    try {
      await api(
        `/v1/members/${member.userId}`,
        next === 'remove' ? { method: 'DELETE' } : { method: 'PATCH', json: { role: next } },
      );
      await refresh();
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    }
  };

  return (
    <Box sx={{ p: { xs: 1, sm: 2 } }}>
      <Title title="Team" />
      <Typography variant="h5" component="h1" gutterBottom>
        Team
      </Typography>
      {canManage && (
        <Card sx={{ mb: 2 }}>
          <CardContent sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'flex-start' }}>
            <TextField
              label="Email to invite"
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              error={Boolean(error instanceof ApiError && error.fieldMessage('email'))}
              helperText={error instanceof ApiError ? error.fieldMessage('email') : undefined}
            />
            <FormControl sx={{ minWidth: 140 }}>
              <InputLabel id="new-role-label">Role</InputLabel>
              <Select labelId="new-role-label" label="Role" value={role} onChange={(e) => setRole(e.target.value)}>
                {ROLES.map((r) => (
                  <MenuItem key={r} value={r}>
                    {r}
                  </MenuItem>
                ))}
              </Select>
            </FormControl>
            <Button variant="contained" onClick={() => void invite()} disabled={!email} sx={{ mt: 1 }}>
              Send invitation
            </Button>
            {error && !(error instanceof ApiError && error.fieldMessage('email')) && (
              <Alert severity="error" role="alert" sx={{ width: '100%' }}>
                {errorMessage(error)}
              </Alert>
            )}
          </CardContent>
        </Card>
      )}
      {canManage && (invitations.data ?? []).length > 0 && (
        <Card sx={{ mb: 2 }}>
          <CardContent sx={{ overflowX: 'auto' }}>
            <Typography variant="h6" component="h2" gutterBottom>
              Invitations
            </Typography>
            <Table size="small" aria-label="Invitations">
              <TableHead>
                <TableRow>
                  <TableCell>Email</TableCell>
                  <TableCell>Role</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell>Invited by</TableCell>
                  <TableCell>Expires</TableCell>
                  <TableCell />
                </TableRow>
              </TableHead>
              <TableBody>
                {invitations.data!.map((i) => (
                  <TableRow key={i.id}>
                    <TableCell>{i.email}</TableCell>
                    <TableCell>{i.role}</TableCell>
                    <TableCell>{i.status}</TableCell>
                    <TableCell>{i.invitedBy ?? '—'}</TableCell>
                    <TableCell>{formatDate(i.expiresAt)}</TableCell>
                    <TableCell>
                      {(i.status === 'pending' || i.status === 'expired') && (
                        <Button size="small" onClick={() => void manageInvitation(i, 'resend')}>
                          Resend
                        </Button>
                      )}
                      {i.status === 'pending' && (
                        <Button size="small" color="error" onClick={() => void manageInvitation(i, 'revoke')}>
                          Revoke
                        </Button>
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      )}
      <Card>
        <CardContent sx={{ overflowX: 'auto' }}>
          {members.error && <Alert severity="error">{errorMessage(members.error)}</Alert>}
          <Table size="small" aria-label="Team members">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Email</TableCell>
                <TableCell>Role</TableCell>
                <TableCell>Joined</TableCell>
                {canManage && <TableCell />}
              </TableRow>
            </TableHead>
            <TableBody>
              {(members.data ?? []).map((m) => (
                <TableRow key={m.userId}>
                  <TableCell>{m.name}</TableCell>
                  <TableCell>{m.email}</TableCell>
                  <TableCell>
                    {canManage ? (
                      <Select
                        size="small"
                        value={m.role}
                        onChange={(e) => void change(m, e.target.value)}
                        inputProps={{ 'aria-label': `Role of ${m.email}` }}
                      >
                        {ROLES.map((r) => (
                          <MenuItem key={r} value={r}>
                            {r}
                          </MenuItem>
                        ))}
                      </Select>
                    ) : (
                      m.role
                    )}
                  </TableCell>
                  <TableCell>{formatDate(m.joinedAt)}</TableCell>
                  {canManage && (
                    <TableCell>
                      <Button color="error" onClick={() => void change(m, 'remove')}>
                        Remove
                      </Button>
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
    </Box>
  );
}
