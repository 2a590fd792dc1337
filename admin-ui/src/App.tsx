/**
 * One react-admin app for creators and operators (DESIGN §2): the resources and pages a user
 * gets follow their permissions, so a member never has routes to operator pages at all.
 */
import { Admin, CustomRoutes, defaultTheme, Resource } from 'react-admin';
import { Route } from 'react-router-dom';
import activity, { allActivity } from './activity';
import allRenders from './all-renders';
import { authProvider, type Permissions } from './api/authProvider';
import { dataProvider } from './api/dataProvider';
import { ApiKeys } from './api-keys/ApiKeys';
import { LoginPage, SignUpPage } from './auth/AuthPages';
import { AcceptInvitationPage, ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './auth/MailLinkPages';
import { AccountPage } from './account/AccountPage';
import { Webhooks } from './webhooks/Webhooks';
import { BatchShow } from './batches/BatchShow';
import { Billing } from './billing/Billing';
import { Dashboard } from './dashboard/Dashboard';
import { AppLayout } from './Layout';
import { NewVideo } from './new-video/NewVideo';
import { ImagesPage } from './images/ImagesPage';
import organizations from './organizations';
import renders from './renders';
import projects from './projects';
import library from './library';
import { OrganizationSettings } from './organization/OrganizationSettings';
import { SystemPage } from './system/SystemPage';
import { Team } from './team/Team';
import users from './users';

// Darker primary than MUI's default so text on it and links meet WCAG AA contrast.
// Status colours are darkened for the same reason: white chip text on MUI's default warning
// orange and info blue is below 4.5:1.
const theme = {
  ...defaultTheme,
  palette: {
    ...defaultTheme.palette,
    primary: { main: '#1a56a8' },
    secondary: { main: '#3d2b7a' },
    warning: { main: '#a04500' },
    info: { main: '#01579b' },
    success: { main: '#1b5e20' },
  },
  // react-admin's own spinners (the app bar's loading indicator) have no label of their own.
  components: {
    ...defaultTheme.components,
    MuiCircularProgress: { defaultProps: { 'aria-label': 'Loading' } },
    MuiLinearProgress: { defaultProps: { 'aria-label': 'Loading' } },
  },
};

/** One folder per resource or page (as react-admin's demo is laid out); requireAuth keeps every page but sign-up for signed-in users. */
export function App() {
  return (
    <Admin
      title="Cutline"
      dataProvider={dataProvider}
      authProvider={authProvider}
      requireAuth
      loginPage={LoginPage}
      dashboard={Dashboard}
      layout={AppLayout}
      theme={theme}
      disableTelemetry
    >
      {/* The pages for visitors and mailed links: routes without the layout, outside requireAuth. */}
      <CustomRoutes noLayout>
        <Route path="/signup" element={<SignUpPage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
        <Route path="/verify-email" element={<VerifyEmailPage />} />
        <Route path="/accept-invitation" element={<AcceptInvitationPage />} />
      </CustomRoutes>
      {(permissions: Permissions | undefined) => (
        <>
          <Resource name="renders" {...renders} />
          <Resource name="projects" {...projects} />
          <Resource name="assets" {...library} />
          <Resource name="members" recordRepresentation="name" />
          <Resource name="activity" {...activity} />
          <CustomRoutes>
            <Route path="/new" element={<NewVideo />} />
            <Route path="/images" element={<ImagesPage />} />
            <Route path="/batches/:id" element={<BatchShow />} />
            <Route path="/team" element={<Team />} />
            <Route path="/api-keys" element={<ApiKeys />} />
            <Route path="/billing" element={<Billing />} />
            <Route path="/account" element={<AccountPage />} />
            <Route path="/webhooks" element={<Webhooks />} />
            <Route path="/organization" element={<OrganizationSettings />} />
          </CustomRoutes>
          {permissions?.isPlatformAdmin && (
            <>
              <Resource name="organizations" {...organizations} />
              <Resource name="users" {...users} />
              <Resource name="all-renders" {...allRenders} />
              <Resource name="all-activity" {...allActivity} />
              <CustomRoutes>
                <Route path="/system" element={<SystemPage />} />
              </CustomRoutes>
            </>
          )}
        </>
      )}
    </Admin>
  );
}
