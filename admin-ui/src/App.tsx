/**
 * One react-admin app for creators and operators (DESIGN §2): the resources and pages a user
 * gets follow their permissions, so a member never has routes to operator pages at all.
 */
import type { ReactNode } from 'react';
import { Admin, Authenticated, CustomRoutes, defaultTheme, Resource } from 'react-admin';
import { Route } from 'react-router-dom';
import { authProvider, type Permissions } from './api/authProvider';
import { dataProvider } from './api/dataProvider';
import { AppLayout } from './Layout';
import { AllRenderList } from './operator/AllRenders';
import { OrganizationEdit, OrganizationList, OrganizationShow } from './operator/Organizations';
import { SystemPage } from './operator/SystemPage';
import { UserList } from './operator/Users';
import { ActivityList, AllActivityList } from './pages/ActivityList';
import { ApiKeys } from './pages/ApiKeys';
import { LoginPage, SignUpPage } from './pages/AuthPages';
import { Billing } from './pages/Billing';
import { Dashboard } from './pages/Dashboard';
import { NewVideo } from './pages/NewVideo';
import { Team } from './pages/Team';
import { BatchShow } from './renders/BatchShow';
import { RenderList } from './renders/RenderList';
import { RenderShow } from './renders/RenderShow';

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

function SignedIn({ children }: { children: ReactNode }) {
  return <Authenticated>{children}</Authenticated>;
}

export function App() {
  return (
    <Admin
      title="Cutline"
      dataProvider={dataProvider}
      authProvider={authProvider}
      loginPage={LoginPage}
      dashboard={() => (
        <SignedIn>
          <Dashboard />
        </SignedIn>
      )}
      layout={AppLayout}
      theme={theme}
      disableTelemetry
    >
      {/* Sign-up is the one page for visitors: it sits outside the permission-based routes. */}
      <CustomRoutes noLayout>
        <Route path="/signup" element={<SignUpPage />} />
      </CustomRoutes>
      {(permissions: Permissions | undefined) => (
        <>
          <Resource name="renders" list={RenderList} show={RenderShow} options={{ label: 'Renders' }} />
          <Resource name="activity" list={ActivityList} />
          <CustomRoutes>
            <Route
              path="/new"
              element={
                <SignedIn>
                  <NewVideo />
                </SignedIn>
              }
            />
            <Route
              path="/batches/:id"
              element={
                <SignedIn>
                  <BatchShow />
                </SignedIn>
              }
            />
            <Route
              path="/team"
              element={
                <SignedIn>
                  <Team />
                </SignedIn>
              }
            />
            <Route
              path="/api-keys"
              element={
                <SignedIn>
                  <ApiKeys />
                </SignedIn>
              }
            />
            <Route
              path="/billing"
              element={
                <SignedIn>
                  <Billing />
                </SignedIn>
              }
            />
          </CustomRoutes>
          {permissions?.isPlatformAdmin && (
            <>
              <Resource name="organizations" list={OrganizationList} show={OrganizationShow} edit={OrganizationEdit} />
              <Resource name="users" list={UserList} />
              <Resource name="all-renders" list={AllRenderList} options={{ label: 'All renders' }} />
              <Resource name="all-activity" list={AllActivityList} options={{ label: 'All activity' }} />
              <CustomRoutes>
                <Route
                  path="/system"
                  element={
                    <SignedIn>
                      <SystemPage />
                    </SignedIn>
                  }
                />
              </CustomRoutes>
            </>
          )}
        </>
      )}
    </Admin>
  );
}
