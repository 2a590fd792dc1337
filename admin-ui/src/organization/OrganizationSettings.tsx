/**
 * Organization settings (owners and admins): its name and address, the defaults new videos
 * start with, and — for owners — deleting the organization with everything in it.
 */
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
  DialogContentText,
  DialogTitle,
  FormControl,
  FormControlLabel,
  FormGroup,
  FormLabel,
  InputLabel,
  MenuItem,
  Select,
  TextField,
  Typography,
} from '@mui/material';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Title, useLogout, useNotify, usePermissions } from 'react-admin';
import type { Permissions } from '../api/authProvider';
import { api, ApiError, errorMessage } from '../api/http';
import {
  useCaptionStyles,
  useOrganization,
  useVoices,
  type OrganizationProfile,
  type OrganizationSettings as Settings,
} from '../api/queries';

const ASPECTS = ['9:16', '1:1', '16:9'];

export function OrganizationSettings() {
  const organization = useOrganization();
  const { permissions } = usePermissions<Permissions>();
  return (
    <Box sx={{ p: { xs: 1, sm: 2 }, maxWidth: 800 }}>
      <Title title="Organization" />
      <Typography variant="h5" component="h1" gutterBottom>
        Organization
      </Typography>
      {organization.error && <Alert severity="error">{errorMessage(organization.error)}</Alert>}
      {organization.data && <ProfileForm profile={organization.data} />}
      {organization.data && permissions?.role === 'owner' && <DangerZone profile={organization.data} />}
    </Box>
  );
}

function ProfileForm({ profile }: { profile: OrganizationProfile }) {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const voices = useVoices();
  const styles = useCaptionStyles();
  const [name, setName] = useState(profile.name);
  const [slug, setSlug] = useState(profile.slug);
  const [settings, setSettings] = useState<Settings>(profile.settings);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setName(profile.name);
    setSlug(profile.slug);
    setSettings(profile.settings);
  }, [profile]);
  const field = (f: string) => (error instanceof ApiError ? error.fieldMessage(f) : undefined);
  const formats = settings.defaultFormats ?? [];

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('/v1/organization', { method: 'PATCH', json: { name, slug, settings } });
      await queryClient.invalidateQueries({ queryKey: ['organization'] });
      notify('Organization saved', { type: 'success' });
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Card sx={{ mb: 2 }}>
        <CardContent sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
          <Typography variant="h6" component="h2">
            Name and address
          </Typography>
          <TextField
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            inputProps={{ maxLength: 120 }}
            error={Boolean(field('name'))}
            helperText={field('name')}
          />
          <TextField
            label="Address (slug)"
            value={slug}
            onChange={(e) => setSlug(e.target.value.toLowerCase())}
            inputProps={{ maxLength: 48 }}
            error={Boolean(field('slug'))}
            helperText={field('slug') ?? 'Lower-case letters, digits and hyphens'}
          />
        </CardContent>
      </Card>
      <Card sx={{ mb: 2 }}>
        <CardContent sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
          <Typography variant="h6" component="h2">
            New videos start with
          </Typography>
          <Typography variant="body2" color="text.secondary">
            For everyone in the organization; a person’s own choices on their account page come first.
          </Typography>
          <FormControl error={Boolean(field('settings.defaultVoice'))}>
            <InputLabel id="org-voice">Voice</InputLabel>
            <Select
              labelId="org-voice"
              label="Voice"
              value={settings.defaultVoice ?? ''}
              onChange={(e) => setSettings({ ...settings, defaultVoice: e.target.value || null })}
            >
              <MenuItem value="">Chosen for the script</MenuItem>
              {(voices.data ?? []).map((v) => (
                <MenuItem key={v.id} value={v.id}>
                  {v.label}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <FormControl>
            <InputLabel id="org-style">Caption style</InputLabel>
            <Select
              labelId="org-style"
              label="Caption style"
              value={settings.defaultCaptionStyle ?? ''}
              onChange={(e) => setSettings({ ...settings, defaultCaptionStyle: e.target.value || null })}
            >
              <MenuItem value="">Clean (Cutline’s default)</MenuItem>
              {(styles.data ?? []).map((s) => (
                <MenuItem key={s.id} value={s.id}>
                  {s.label}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <FormControl component="fieldset">
            <FormLabel component="legend">Formats</FormLabel>
            <FormGroup row>
              {ASPECTS.map((a) => (
                <FormControlLabel
                  key={a}
                  label={a}
                  control={
                    <Checkbox
                      checked={formats.includes(a)}
                      onChange={(e) => {
                        const next = e.target.checked ? [...formats, a] : formats.filter((f) => f !== a);
                        setSettings({ ...settings, defaultFormats: next.length > 0 ? next : null });
                      }}
                    />
                  }
                />
              ))}
            </FormGroup>
          </FormControl>
        </CardContent>
      </Card>
      {error && !(error instanceof ApiError && error.details.length > 0) && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {errorMessage(error)}
        </Alert>
      )}
      <Button variant="contained" disabled={busy} onClick={() => void save()} sx={{ mb: 4 }}>
        Save
      </Button>
    </>
  );
}

function DangerZone({ profile }: { profile: OrganizationProfile }) {
  const logout = useLogout();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('/v1/organization', { method: 'DELETE', json: { confirm: typed } });
      setOpen(false);
      await logout({}, '/login');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card sx={{ mb: 2, borderColor: 'error.main', borderWidth: 1, borderStyle: 'solid' }}>
      <CardContent>
        <Typography variant="h6" component="h2" color="error">
          Delete the organization
        </Typography>
        <Typography variant="body2" sx={{ mb: 2 }}>
          Every upload, video, project, comment and record of {profile.name} is deleted at once, renders in progress are
          canceled and the subscription ends. Accounts that belong to no other organization are deleted with it. This
          cannot be undone.
        </Typography>
        <Button color="error" variant="outlined" onClick={() => setOpen(true)}>
          Delete {profile.name}…
        </Button>
      </CardContent>
      <Dialog open={open} onClose={() => setOpen(false)} aria-labelledby="delete-org-title">
        <DialogTitle id="delete-org-title">Delete {profile.name}?</DialogTitle>
        <DialogContent>
          <DialogContentText sx={{ mb: 2 }}>
            Type the organization’s address, <strong>{profile.slug}</strong>, to confirm.
          </DialogContentText>
          <TextField
            autoFocus
            fullWidth
            label="Address"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            error={Boolean(error)}
            helperText={error}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Keep it</Button>
          <Button
            color="error"
            variant="contained"
            disabled={busy || typed !== profile.slug}
            onClick={() => void remove()}
          >
            Delete everything
          </Button>
        </DialogActions>
      </Dialog>
    </Card>
  );
}
