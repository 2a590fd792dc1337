/**
 * The pages mailed links open: forgot and reset password, verify the address, accept an
 * invitation. Tokens arrive in the URL's fragment (#token=…), which browsers never send to a
 * server, and are read once on load.
 */
import { Alert, Box, Button, Link, TextField, Typography } from '@mui/material';
import { useEffect, useState, type FormEvent } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { api, ApiError, errorMessage } from '../api/http';
import { loadSession, markEmailVerified, saveSession, switchOrganization, type SessionResponse } from '../api/session';
import { AuthCard } from './AuthPages';

function tokenFromHash(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

function useFormError() {
  const [error, setError] = useState<ApiError | Error | null>(null);
  const field = (name: string, text?: string) => {
    const message = error instanceof ApiError ? error.fieldMessage(name) : undefined;
    return { error: Boolean(message), helperText: message ?? text };
  };
  const general =
    error && !(error instanceof ApiError && error.details?.some((d) => d.field !== 'token')) ? error : null;
  return { error, setError, field, general };
}

const SignInLink = () => (
  <Typography sx={{ mt: 2 }}>
    <Link component={RouterLink} to="/login">
      Back to sign in
    </Link>
  </Typography>
);

export function ForgotPasswordPage() {
  const { setError, field, general } = useFormError();
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email'));
    setBusy(true);
    setError(null);
    try {
      setSent(
        (await api<{ message: string }>('/v1/auth/forgot-password', { method: 'POST', json: { email } })).data.message,
      );
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthCard title="Forgot your password?">
      {sent ? (
        <Alert severity="success" role="status">
          {sent} The link works for one hour.
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Typography>We will mail you a link to choose a new password.</Typography>
          <TextField
            name="email"
            label="Email"
            type="email"
            autoComplete="email"
            fullWidth
            margin="normal"
            required
            {...field('email')}
          />
          {general && (
            <Alert severity="error" role="alert">
              {errorMessage(general)}
            </Alert>
          )}
          <Button type="submit" variant="contained" fullWidth sx={{ mt: 2 }} disabled={busy}>
            Send the link
          </Button>
        </form>
      )}
      <SignInLink />
    </AuthCard>
  );
}

export function ResetPasswordPage() {
  const [token] = useState(tokenFromHash);
  const { setError, field, general } = useFormError();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (form.get('password') !== form.get('confirm')) {
      setError(
        new ApiError(400, 'CUTLINE_VALIDATION_FAILED', 'The passwords differ.', [
          { field: 'confirm', message: 'does not match the password' },
        ]),
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('/v1/auth/reset-password', { method: 'POST', json: { token, password: String(form.get('password')) } });
      setDone(true);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthCard title="Choose a new password">
      {done ? (
        <Alert severity="success" role="status">
          Your password is changed, and every session was signed out. Sign in with the new one.
        </Alert>
      ) : !token ? (
        <Alert severity="error" role="alert">
          This page needs the link from the reset mail.{' '}
          <Link component={RouterLink} to="/forgot-password">
            Ask for one
          </Link>
          .
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <TextField
            name="password"
            label="New password"
            type="password"
            autoComplete="new-password"
            fullWidth
            margin="normal"
            required
            {...field('password', 'At least 10 characters')}
          />
          <TextField
            name="confirm"
            label="The same again"
            type="password"
            autoComplete="new-password"
            fullWidth
            margin="normal"
            required
            {...field('confirm')}
          />
          {general && (
            <Alert severity="error" role="alert">
              {errorMessage(general)}{' '}
              {general instanceof ApiError && general.code.startsWith('CUTLINE_LINK_') && (
                <Link component={RouterLink} to="/forgot-password">
                  Ask for a new link
                </Link>
              )}
            </Alert>
          )}
          <Button type="submit" variant="contained" fullWidth sx={{ mt: 2 }} disabled={busy}>
            Set the password
          </Button>
        </form>
      )}
      <SignInLink />
    </AuthCard>
  );
}

export function VerifyEmailPage() {
  const [state, setState] = useState<'checking' | 'verified' | Error>('checking');
  useEffect(() => {
    const token = tokenFromHash();
    api('/v1/auth/verify-email', { method: 'POST', json: { token } })
      .then(() => {
        markEmailVerified();
        setState('verified');
      })
      .catch((err: unknown) => setState(err instanceof Error ? err : new Error(String(err))));
  }, []);
  return (
    <AuthCard title="Confirm your address">
      {state === 'checking' && <Typography role="status">Checking the link…</Typography>}
      {state === 'verified' && (
        <Alert severity="success" role="status">
          Your address is confirmed. Paid plans and invitations are open to you now.
        </Alert>
      )}
      {state instanceof Error && (
        <Alert severity="error" role="alert">
          {errorMessage(state)} Signed in, you can ask for a new link from the banner at the top of the app.
        </Alert>
      )}
      <Typography sx={{ mt: 2 }}>
        <Link href="/">Open Cutline</Link>
      </Typography>
    </AuthCard>
  );
}

interface InvitationOffer {
  email: string;
  role: string;
  organizationName: string;
  invitedBy: string | null;
}

export function AcceptInvitationPage() {
  const [token] = useState(tokenFromHash);
  const [offer, setOffer] = useState<InvitationOffer | Error | null>(null);
  const { setError, field, general } = useFormError();
  const [busy, setBusy] = useState(false);
  const session = loadSession();
  useEffect(() => {
    api<InvitationOffer>('/v1/invitations/lookup', { method: 'POST', json: { token } })
      .then((r) => setOffer(r.data))
      .catch((err: unknown) => setOffer(err instanceof Error ? err : new Error(String(err))));
  }, [token]);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      window.location.assign('/');
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  const acceptSignedIn = () =>
    run(async () => {
      const joined = await api<{ organizationId: string }>('/v1/invitations/accept', {
        method: 'POST',
        json: { token },
      });
      await switchOrganization(joined.data.organizationId);
    });
  const acceptNew = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void run(async () => {
      const { data } = await api<SessionResponse>('/v1/invitations/accept-new', {
        method: 'POST',
        json: { token, name: String(form.get('name')), password: String(form.get('password')) },
      });
      saveSession(data);
    });
  };

  if (offer === null)
    return (
      <AuthCard title="Invitation">
        <Typography role="status">Reading the invitation…</Typography>
      </AuthCard>
    );
  if (offer instanceof Error)
    return (
      <AuthCard title="Invitation">
        <Alert severity="error" role="alert">
          {errorMessage(offer)} Ask whoever invited you to send it again.
        </Alert>
        <SignInLink />
      </AuthCard>
    );
  const signedInAs = session?.user.email;
  return (
    <AuthCard title={`Join ${offer.organizationName}`}>
      <Typography gutterBottom>
        {offer.invitedBy ?? 'A colleague'} invited <strong>{offer.email}</strong> to join{' '}
        <strong>{offer.organizationName}</strong> as {offer.role}.
      </Typography>
      {general && (
        <Alert severity="error" role="alert" sx={{ my: 1 }}>
          {errorMessage(general)}
        </Alert>
      )}
      {signedInAs === offer.email ? (
        <Button variant="contained" fullWidth sx={{ mt: 2 }} disabled={busy} onClick={() => void acceptSignedIn()}>
          Accept and join
        </Button>
      ) : signedInAs ? (
        <Alert severity="info" sx={{ mt: 1 }}>
          You are signed in as {signedInAs}. Sign out and sign in as {offer.email} to accept.
        </Alert>
      ) : (
        <Box component="form" onSubmit={acceptNew} noValidate>
          <Typography sx={{ mt: 1 }}>
            New to Cutline? Create your account with this address. Already have one?{' '}
            <Link component={RouterLink} to={`/login`}>
              Sign in
            </Link>
            , then open the link again.
          </Typography>
          <TextField
            name="name"
            label="Your name"
            autoComplete="name"
            fullWidth
            margin="normal"
            required
            {...field('name')}
          />
          <TextField
            name="password"
            label="Password"
            type="password"
            autoComplete="new-password"
            fullWidth
            margin="normal"
            required
            {...field('password', 'At least 10 characters')}
          />
          <Button type="submit" variant="contained" fullWidth sx={{ mt: 2 }} disabled={busy}>
            Create my account and join
          </Button>
        </Box>
      )}
    </AuthCard>
  );
}
