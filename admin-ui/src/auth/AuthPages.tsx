/** Sign in and sign up: plain forms with labelled fields and the API's messages beside them. */
import { Alert, Box, Button, Card, CardContent, Link, TextField, Typography } from '@mui/material';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useLogin } from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { signUp } from '../api/authProvider';
import { ApiError, errorMessage } from '../api/http';

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box
      component="main"
      sx={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        bgcolor: 'grey.100',
        p: 2,
      }}
    >
      <Card sx={{ width: '100%', maxWidth: 420 }}>
        <CardContent>
          <Typography variant="h4" component="h1" gutterBottom>
            Cutline
          </Typography>
          <Typography variant="h6" component="h2" gutterBottom>
            {title}
          </Typography>
          {children}
        </CardContent>
      </Card>
    </Box>
  );
}

export function LoginPage() {
  const login = useLogin();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await login({ email: String(form.get('email')), password: String(form.get('password')) });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthCard title="Sign in">
      <form onSubmit={submit} noValidate>
        <TextField name="email" label="Email" type="email" autoComplete="email" fullWidth margin="normal" required />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          fullWidth
          margin="normal"
          required
        />
        {error && (
          <Alert severity="error" role="alert" sx={{ mt: 1 }}>
            {error}
          </Alert>
        )}
        <Button type="submit" variant="contained" fullWidth sx={{ mt: 2 }} disabled={busy}>
          Sign in
        </Button>
      </form>
      <Typography sx={{ mt: 2 }}>
        <Link component={RouterLink} to="/forgot-password">
          Forgot your password?
        </Link>
      </Typography>
      <Typography sx={{ mt: 1 }}>
        New here?{' '}
        <Link component={RouterLink} to="/signup">
          Create an account
        </Link>
      </Typography>
    </AuthCard>
  );
}

export function SignUpPage() {
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldError = (field: string) => (error instanceof ApiError ? error.fieldMessage(field) : undefined);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signUp({
        name: String(form.get('name')),
        email: String(form.get('email')),
        password: String(form.get('password')),
        ...(form.get('organizationName') ? { organizationName: String(form.get('organizationName')) } : {}),
      });
      // A fresh start with the new session: react-admin reads the auth state and permissions
      // once (a client-side navigation would meet the anonymous state and log out again).
      window.location.assign('/');
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  const help = (field: string, text?: string) => ({
    error: Boolean(fieldError(field)),
    helperText: fieldError(field) ?? text,
  });
  return (
    <AuthCard title="Create your account">
      <form onSubmit={submit} noValidate>
        <TextField
          name="name"
          label="Your name"
          autoComplete="name"
          fullWidth
          margin="normal"
          required
          {...help('name')}
        />
        <TextField
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          fullWidth
          margin="normal"
          required
          {...help('email')}
        />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          fullWidth
          margin="normal"
          required
          {...help('password', 'At least 10 characters')}
        />
        <TextField
          name="organizationName"
          label="Team or company (optional)"
          autoComplete="organization"
          fullWidth
          margin="normal"
          {...help('organizationName')}
        />
        {error && !(error instanceof ApiError && error.details.length > 0) && (
          <Alert severity="error" role="alert" sx={{ mt: 1 }}>
            {errorMessage(error)}
          </Alert>
        )}
        <Button type="submit" variant="contained" fullWidth sx={{ mt: 2 }} disabled={busy}>
          Create account
        </Button>
      </form>
      <Typography sx={{ mt: 2 }}>
        Have an account?{' '}
        <Link component={RouterLink} to="/login">
          Sign in
        </Link>
      </Typography>
    </AuthCard>
  );
}
