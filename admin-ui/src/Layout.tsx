/** The app frame: a menu chosen by the user's permissions, and the live render stream. */
import AddIcon from '@mui/icons-material/Add';
import BusinessIcon from '@mui/icons-material/Business';
import CreditCardIcon from '@mui/icons-material/CreditCard';
import PhotoLibraryIcon from '@mui/icons-material/PhotoLibrary';
import GroupIcon from '@mui/icons-material/Group';
import HistoryIcon from '@mui/icons-material/History';
import KeyIcon from '@mui/icons-material/VpnKey';
import MonitorHeartIcon from '@mui/icons-material/MonitorHeart';
import MovieIcon from '@mui/icons-material/Movie';
import PeopleIcon from '@mui/icons-material/People';
import VideoLibraryIcon from '@mui/icons-material/VideoLibrary';
import WebhookIcon from '@mui/icons-material/Webhook';
import SettingsIcon from '@mui/icons-material/Settings';
import FolderIcon from '@mui/icons-material/Folder';
import PermMediaIcon from '@mui/icons-material/PermMedia';
import TuneIcon from '@mui/icons-material/Tune';
import ListSubheader from '@mui/material/ListSubheader';
import type { ReactNode } from 'react';
import CheckIcon from '@mui/icons-material/Check';
import { Alert, Button, ListItemIcon, ListItemText, MenuItem } from '@mui/material';
import { useEffect, useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import {
  AppBar,
  Layout,
  Logout,
  Menu,
  UserMenu,
  useGetIdentity,
  useNotify,
  usePermissions,
  useSidebarState,
} from 'react-admin';
import { api, errorMessage } from './api/http';
import { loadSession, onSessionChange, switchOrganization, type SessionOrganization } from './api/session';
import type { Permissions } from './api/authProvider';
import { LiveRendersProvider } from './api/live';

export function AppMenu() {
  const { permissions } = usePermissions<Permissions>();
  const [open] = useSidebarState();
  const manager = permissions?.role === 'owner' || permissions?.role === 'admin';
  return (
    <Menu>
      <Menu.DashboardItem />
      <Menu.Item to="/new" primaryText="New video" leftIcon={<AddIcon />} />
      <Menu.Item to="/images" primaryText="Images" leftIcon={<PhotoLibraryIcon />} />
      <Menu.Item to="/renders" primaryText="Renders" leftIcon={<MovieIcon />} />
      <Menu.Item to="/projects" primaryText="Projects" leftIcon={<FolderIcon />} />
      <Menu.Item to="/assets" primaryText="Library" leftIcon={<PermMediaIcon />} />
      <Menu.Item to="/team" primaryText="Team" leftIcon={<GroupIcon />} />
      {manager && <Menu.Item to="/api-keys" primaryText="API keys" leftIcon={<KeyIcon />} />}
      {manager && <Menu.Item to="/webhooks" primaryText="Webhooks" leftIcon={<WebhookIcon />} />}
      {manager && <Menu.Item to="/organization" primaryText="Organization" leftIcon={<TuneIcon />} />}
      <Menu.Item to="/billing" primaryText="Billing" leftIcon={<CreditCardIcon />} />
      <Menu.Item to="/activity" primaryText="Activity" leftIcon={<HistoryIcon />} />
      {permissions?.isPlatformAdmin && (
        <>
          {open && (
            <ListSubheader component="div" sx={{ bgcolor: 'transparent' }}>
              Operators
            </ListSubheader>
          )}
          <Menu.Item to="/organizations" primaryText="Organizations" leftIcon={<BusinessIcon />} />
          <Menu.Item to="/users" primaryText="Users" leftIcon={<PeopleIcon />} />
          <Menu.Item to="/all-renders" primaryText="All renders" leftIcon={<VideoLibraryIcon />} />
          <Menu.Item to="/all-activity" primaryText="All activity" leftIcon={<HistoryIcon />} />
          <Menu.Item to="/system" primaryText="System" leftIcon={<MonitorHeartIcon />} />
        </>
      )}
    </Menu>
  );
}

/** The user menu's accessible name is the visible name (WCAG 2.5.3, label in name). */
function AppUserMenu() {
  const { identity } = useGetIdentity();
  return (
    <UserMenu label={identity?.fullName ? `${identity.fullName}: account menu` : 'Account menu'}>
      <MenuItem component={RouterLink} to="/account">
        <ListItemIcon>
          <SettingsIcon fontSize="small" />
        </ListItemIcon>
        <ListItemText primary="Account and notifications" />
      </MenuItem>
      <OrganizationSwitcher />
      <Logout />
    </UserMenu>
  );
}

/** The organizations the user belongs to; choosing one re-issues the session for it. */
function OrganizationSwitcher() {
  const notify = useNotify();
  const current = loadSession()?.organization.id;
  const me = useQuery({
    queryKey: ['me'],
    queryFn: async () => (await api<{ organizations: SessionOrganization[] }>('/v1/me')).data,
  });
  const choose = async (id: string) => {
    if (id === current) return;
    try {
      await switchOrganization(id);
      window.location.assign('/');
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    }
  };
  if ((me.data?.organizations.length ?? 0) < 2) return null;
  return (
    <>
      {me.data!.organizations.map((o) => (
        <MenuItem key={o.id} onClick={() => void choose(o.id)} aria-current={o.id === current ? 'true' : undefined}>
          <ListItemIcon>{o.id === current ? <CheckIcon fontSize="small" /> : null}</ListItemIcon>
          <ListItemText primary={o.name} secondary={o.role} />
        </MenuItem>
      ))}
    </>
  );
}

function AppAppBar() {
  return <AppBar userMenu={<AppUserMenu />} />;
}

/** Until the address is confirmed: what waits for it, and a way to get the link again. */
function VerifyEmailBanner() {
  const notify = useNotify();
  const [session, setSession] = useState(loadSession);
  const [busy, setBusy] = useState(false);
  useEffect(() => onSessionChange(setSession), []);
  if (!session || session.user.emailVerified !== false) return null;
  const resend = async () => {
    setBusy(true);
    try {
      await api('/v1/auth/verify-email/resend', { method: 'POST' });
      notify(`We sent a new link to ${session.user.email}.`, { type: 'info' });
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Alert
      severity="info"
      sx={{ mb: 1 }}
      action={
        <Button color="inherit" size="small" disabled={busy} onClick={() => void resend()}>
          Send the link again
        </Button>
      }
    >
      Please confirm {session.user.email}: paid plans and invitations wait until you open the link we mailed you.
    </Alert>
  );
}

export function AppLayout({ children }: { children: ReactNode }) {
  return (
    <LiveRendersProvider>
      <Layout menu={AppMenu} appBar={AppAppBar}>
        <VerifyEmailBanner />
        {children}
      </Layout>
    </LiveRendersProvider>
  );
}
